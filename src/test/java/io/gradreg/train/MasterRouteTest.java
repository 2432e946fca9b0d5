package io.gradreg.train;

import static org.junit.jupiter.api.Assertions.*;

import io.gradreg.GradregException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Where a worker meets the master and which interface Gloo binds to, on crafted nodes: a node2
 * with lo and eth0 (10.77.0.2/24) whose only route is its own network, as on the test cluster.
 * SlurmClusterTest checks the same on real namespaces.
 */
class MasterRouteTest {
    static InetAddress ip(String a) {
        try {
            return InetAddress.getByName(a); // literals only: no lookup
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    /** node2: lo 127.0.0.1, eth0 10.77.0.2 (up unless {@code eth0Down}), ib0 without address; hosts as given. */
    static MasterRoute.Network node2(Map<String, List<String>> hosts, boolean eth0Down) {
        return new MasterRoute.Network() {
            @Override
            public String hostname() {
                return "node2";
            }

            @Override
            public InetAddress[] resolve(String host) throws UnknownHostException {
                if (host.matches("[0-9.]+")) {
                    return new InetAddress[] {ip(host)};
                }
                List<String> a = hosts.get(host);
                if (a == null) {
                    throw new UnknownHostException(host + ": Name or service not known");
                }
                return a.stream().map(MasterRouteTest::ip).toArray(InetAddress[]::new);
            }

            @Override
            public InetAddress routeSource(InetAddress to) throws IOException {
                String a = to.getHostAddress();
                if (a.startsWith("127.")) {
                    return ip("127.0.0.1");
                }
                if (a.startsWith("10.77.0.") && !eth0Down) {
                    return ip("10.77.0.2");
                }
                throw new IOException("Network is unreachable");
            }

            @Override
            public Optional<String> interfaceOf(InetAddress local) {
                return switch (local.getHostAddress()) {
                    case "127.0.0.1" -> Optional.of("lo");
                    case "10.77.0.2" -> Optional.of("eth0");
                    default -> Optional.empty();
                };
            }

            @Override
            public Optional<List<InetAddress>> addressesOf(String iface) {
                return switch (iface) {
                    case "lo" -> Optional.of(List.of(ip("127.0.0.1")));
                    case "eth0" -> Optional.of(List.of(ip("10.77.0.2")));
                    case "ib0" -> Optional.of(List.of());
                    default -> Optional.empty();
                };
            }

            @Override
            public boolean isUp(String iface) {
                return !(iface.equals("eth0") && eth0Down);
            }

            @Override
            public List<String> interfaces() {
                return List.of("eth0", "ib0", "lo");
            }
        };
    }

    static final Map<String, List<String>> HOSTS = Map.of("node1", List.of("10.77.0.1"), "node2", List.of("127.0.1.1", "10.77.0.2"),
            "self", List.of("127.0.1.1"));

    static String error(String host, String ifname, boolean eth0Down) {
        return assertThrows(GradregException.class, () -> MasterRoute.find(host, 17005, ifname, node2(HOSTS, eth0Down))).getMessage();
    }

    @Test
    void theRouteToTheMasterChoosesTheInterface() {
        MasterRoute r = MasterRoute.find("node1", 17005, null, node2(HOSTS, false));
        assertEquals(ip("10.77.0.1"), r.address());
        assertEquals(List.of(new MasterRoute.Binding("eth0", ip("10.77.0.2"))), r.bindings());
        assertEquals("node1:17005 (10.77.0.1)", r.master());
        assertEquals("eth0 (10.77.0.2), the route to the master", r.describeBindings());
        // The first address that is not loopback: a Debian-style 127.0.1.1 line comes first here.
        assertEquals(ip("10.77.0.2"), MasterRoute.find("node2", 17005, null, node2(HOSTS, false)).address());
        // A literal address is named once; one machine's loopback run binds to lo.
        MasterRoute local = MasterRoute.find("127.0.0.1", 29500, "", node2(HOSTS, false));
        assertEquals("127.0.0.1:29500", local.master());
        assertEquals("lo (127.0.0.1), the route to the master", local.describeBindings());
    }

    @Test
    void glooSocketIfnameWinsOverTheRoute() {
        MasterRoute r = MasterRoute.find("node1", 17005, "eth0", node2(HOSTS, false));
        assertEquals("eth0 (10.77.0.2), from GLOO_SOCKET_IFNAME", r.describeBindings());
        assertTrue(r.fromEnv());
        MasterRoute two = MasterRoute.find("127.0.0.1", 17005, "lo, eth0", node2(HOSTS, false));
        assertEquals("lo (127.0.0.1), eth0 (10.77.0.2), from GLOO_SOCKET_IFNAME", two.describeBindings());
    }

    @Test
    void everyWayOfMissingTheMasterIsOneLineNamingTheAddress() {
        assertEquals("no route from node2 to the master 10.99.0.1:17005: Network is unreachable", error("10.99.0.1", null, false));
        assertEquals("no route from node2 to the master node1:17005 (10.77.0.1): Network is unreachable", error("node1", null, true));
        assertEquals("the master host node9 does not resolve on node2; give --master ADDRESS:17005 or make the name resolve on every node",
                error("node9", null, false));
        assertEquals("GLOO_SOCKET_IFNAME names eth9, which node2 does not have (its interfaces: eth0, ib0, lo)", error("node1", "eth9", false));
        assertEquals("GLOO_SOCKET_IFNAME names eth0, which is down on node2", error("node1", "eth0", true));
        assertEquals("GLOO_SOCKET_IFNAME names ib0, which has no address on node2", error("node1", "ib0", false));
        assertEquals("GLOO_SOCKET_IFNAME is set but names no interface: ' , '", error("node1", " , ", false));
        assertEquals("Gloo would bind to lo (127.0.0.1) on node2, a loopback address that workers on other machines cannot reach"
                + " (master node1:17005 (10.77.0.1)); unset GLOO_SOCKET_IFNAME or name the interface they reach", error("node1", "lo", false));
        // Only loopback answers for the name: the route leads to lo, and binding there is refused only
        // when the master is elsewhere, so this one-machine case goes through.
        assertEquals("lo (127.0.0.1), the route to the master", MasterRoute.find("self", 17005, null, node2(HOSTS, false)).describeBindings());
    }

    @Test
    void thisMachinesOwnLookupsAnswer() {
        // The real network of the machine running the test: loopback always routes to lo.
        MasterRoute r = MasterRoute.find("127.0.0.1", 29500, Map.of());
        assertEquals("lo (127.0.0.1), the route to the master", r.describeBindings());
        assertEquals("GLOO_SOCKET_IFNAME names gradreg-none0, which " + MasterRoute.SYSTEM.hostname() + " does not have (its interfaces: "
                + String.join(", ", MasterRoute.SYSTEM.interfaces()) + ")",
                assertThrows(GradregException.class, () -> MasterRoute.find("127.0.0.1", 29500, Map.of("GLOO_SOCKET_IFNAME", "gradreg-none0")))
                        .getMessage());
    }
}
