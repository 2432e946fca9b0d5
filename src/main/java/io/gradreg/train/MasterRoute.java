package io.gradreg.train;

import io.gradreg.GradregException;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Where a data-parallel worker meets rank 0, and the interfaces its Gloo device binds to.
 *
 * <p>The master's host name is resolved on this node, as this node's resolver answers
 * ({@code /etc/hosts}, DNS): the first address that is not loopback, else the first. Gloo binds
 * to the interfaces named in {@code GLOO_SOCKET_IFNAME} (comma-separated) when it is set, as
 * PyTorch does; otherwise to the interface of the kernel's route toward the master address. The
 * route is asked of the kernel by connecting a UDP socket to the address, which sends no packet
 * and gives the source address the kernel would use: the answer of {@code ip route get ADDR},
 * without running {@code ip}. Other workers connect back to that address, so it must not be
 * loopback when the master is not. {@code node} is this node's host name and {@code masterIsLocal}
 * whether the master address is one of its own (rank 0 serves the store there).
 */
public record MasterRoute(String host, int port, InetAddress address, List<Binding> bindings, boolean fromEnv, String node, boolean masterIsLocal) {
    /** One Gloo device: an interface and the local address on it. */
    public record Binding(String iface, InetAddress local) {}

    /** The lookups this needs from the node, replaceable in tests by a crafted network. */
    public interface Network {
        /** The node's host name, for messages. */
        String hostname();

        InetAddress[] resolve(String host) throws UnknownHostException;

        /** The local address of the route toward {@code to}. */
        InetAddress routeSource(InetAddress to) throws IOException;

        /** The interface that holds {@code local}, if any. */
        Optional<String> interfaceOf(InetAddress local);

        /** The interface's addresses (IPv4 first), or empty when it does not exist. */
        Optional<List<InetAddress>> addressesOf(String iface);

        boolean isUp(String iface);

        /** Every interface's name, sorted, for messages. */
        List<String> interfaces();
    }

    /** The master at {@code host:port} as this node reaches it, with Gloo's bindings. */
    public static MasterRoute find(String host, int port, Map<String, String> env) {
        return find(host, port, env.get("GLOO_SOCKET_IFNAME"), SYSTEM);
    }

    static MasterRoute find(String host, int port, String ifname, Network net) {
        InetAddress address = resolve(host, port, net);
        List<Binding> bindings = new ArrayList<>();
        boolean fromEnv = ifname != null && !ifname.isBlank();
        if (fromEnv) {
            for (String name : ifname.split(",")) {
                String n = name.strip();
                if (n.isEmpty()) {
                    continue;
                }
                List<InetAddress> addresses = net.addressesOf(n).orElseThrow(() -> new GradregException("GLOO_SOCKET_IFNAME names " + n
                        + ", which " + net.hostname() + " does not have (its interfaces: " + String.join(", ", net.interfaces()) + ")"));
                if (!net.isUp(n)) {
                    throw new GradregException("GLOO_SOCKET_IFNAME names " + n + ", which is down on " + net.hostname());
                }
                if (addresses.isEmpty()) {
                    throw new GradregException("GLOO_SOCKET_IFNAME names " + n + ", which has no address on " + net.hostname());
                }
                bindings.add(new Binding(n, addresses.get(0)));
            }
            if (bindings.isEmpty()) {
                throw new GradregException("GLOO_SOCKET_IFNAME is set but names no interface: '" + ifname + "'");
            }
        } else {
            InetAddress local;
            try {
                local = net.routeSource(address);
            } catch (IOException e) {
                throw new GradregException("no route from " + net.hostname() + " to the master " + master(host, port, address) + ": "
                        + e.getMessage());
            }
            String iface = net.interfaceOf(local).orElseThrow(() -> new GradregException("the route from " + net.hostname()
                    + " to the master " + master(host, port, address) + " leaves from " + local.getHostAddress() + ", which no interface holds"));
            bindings.add(new Binding(iface, local));
        }
        for (Binding b : bindings) {
            if (b.local().isLoopbackAddress() && !address.isLoopbackAddress()) {
                throw new GradregException("Gloo would bind to " + b.iface() + " (" + b.local().getHostAddress() + ") on " + net.hostname()
                        + ", a loopback address that workers on other machines cannot reach (master " + master(host, port, address) + ")"
                        + (fromEnv ? "; unset GLOO_SOCKET_IFNAME or name the interface they reach" : ""));
            }
        }
        boolean local = address.isLoopbackAddress() || address.isAnyLocalAddress() || net.interfaceOf(address).isPresent();
        return new MasterRoute(host, port, address, List.copyOf(bindings), fromEnv, net.hostname(), local);
    }

    private static InetAddress resolve(String host, int port, Network net) {
        InetAddress[] all;
        try {
            all = net.resolve(host);
        } catch (UnknownHostException e) {
            throw new GradregException("the master host " + host + " does not resolve on " + net.hostname()
                    + "; give --master ADDRESS:" + port + " or make the name resolve on every node");
        }
        if (all == null || all.length == 0) {
            throw new GradregException("the master host " + host + " does not resolve on " + net.hostname());
        }
        for (InetAddress a : all) {
            if (!a.isLoopbackAddress()) {
                return a;
            }
        }
        return all[0];
    }

    /** {@code host:port} as given, and the address when the host was a name: {@code node1:17005 (10.77.0.1)}. */
    public String master() {
        return master(host, port, address);
    }

    private static String master(String host, int port, InetAddress address) {
        String a = address.getHostAddress();
        return hostPort(host, port) + (a.equals(host) ? "" : " (" + a + ")");
    }

    /** {@code eth0 (10.77.0.2), the route to the master} or {@code eth1 (…), from GLOO_SOCKET_IFNAME}. */
    public String describeBindings() {
        List<String> parts = new ArrayList<>();
        for (Binding b : bindings) {
            parts.add(b.iface() + " (" + b.local().getHostAddress() + ")");
        }
        return String.join(", ", parts) + (fromEnv ? ", from GLOO_SOCKET_IFNAME" : ", the route to the master");
    }

    private static String hostPort(String host, int port) {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }

    /** This machine's resolver, routes and interfaces. */
    static final Network SYSTEM = new Network() {
        @Override
        public String hostname() {
            try {
                return Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
            } catch (IOException | RuntimeException e) {
                return "this node";
            }
        }

        @Override
        public InetAddress[] resolve(String host) throws UnknownHostException {
            return InetAddress.getAllByName(host);
        }

        @Override
        public InetAddress routeSource(InetAddress to) throws IOException {
            try (DatagramSocket probe = new DatagramSocket()) {
                probe.connect(to, 9); // a UDP connect sends nothing: it only asks the kernel for the route
                InetAddress local = probe.getLocalAddress();
                if (local == null || local.isAnyLocalAddress()) {
                    throw new IOException("the kernel gave no source address");
                }
                return local;
            } catch (java.io.UncheckedIOException e) {
                throw e.getCause();
            }
        }

        @Override
        public Optional<String> interfaceOf(InetAddress local) {
            try {
                return Optional.ofNullable(NetworkInterface.getByInetAddress(local)).map(NetworkInterface::getName);
            } catch (SocketException e) {
                return Optional.empty();
            }
        }

        @Override
        public Optional<List<InetAddress>> addressesOf(String iface) {
            try {
                NetworkInterface n = NetworkInterface.getByName(iface);
                if (n == null) {
                    return Optional.empty();
                }
                List<InetAddress> v4 = new ArrayList<>();
                List<InetAddress> v6 = new ArrayList<>();
                for (InetAddress a : Collections.list(n.getInetAddresses())) {
                    if (a instanceof Inet4Address) {
                        v4.add(a);
                    } else if (a instanceof Inet6Address && !a.isLinkLocalAddress()) {
                        v6.add(a);
                    }
                }
                v4.addAll(v6);
                return Optional.of(v4);
            } catch (SocketException e) {
                return Optional.empty();
            }
        }

        @Override
        public boolean isUp(String iface) {
            try {
                NetworkInterface n = NetworkInterface.getByName(iface);
                return n != null && n.isUp();
            } catch (SocketException e) {
                return false;
            }
        }

        @Override
        public List<String> interfaces() {
            try {
                return Collections.list(NetworkInterface.getNetworkInterfaces()).stream().map(NetworkInterface::getName).sorted().toList();
            } catch (SocketException e) {
                return List.of();
            }
        }
    };
}
