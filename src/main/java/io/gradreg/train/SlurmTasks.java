package io.gradreg.train;

import io.gradreg.GradregException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * A data-parallel group as Slurm describes it to the tasks of an {@code srun} step: world size
 * {@code SLURM_NTASKS}, rank {@code SLURM_PROCID}, master the first host of
 * {@code SLURM_JOB_NODELIST} (Slurm places task 0 there), and a port derived from the job id so
 * that two jobs sharing a node do not meet at the same port; {@code nodes} is the job's node count.
 */
public record SlurmTasks(int world, int rank, String masterHost, int masterPort, int nodes) {
    /** Ports handed out: {@link #BASE_PORT} + job id mod {@link #PORTS}, below Linux's ephemeral range (32768+). */
    static final int BASE_PORT = 17000;
    static final int PORTS = 15000;

    /**
     * The group from {@code env}, or empty outside an srun step. Only a step's tasks qualify
     * ({@code SLURM_STEP_ID} set), not a batch script, which sees {@code SLURM_NTASKS} of the
     * whole allocation but is one process.
     */
    public static Optional<SlurmTasks> fromEnv(Map<String, String> env) {
        if (!env.containsKey("SLURM_STEP_ID") || !env.containsKey("SLURM_PROCID") || !env.containsKey("SLURM_NTASKS")) {
            return Optional.empty();
        }
        int world = number(env, "SLURM_NTASKS");
        int rank = number(env, "SLURM_PROCID");
        String nodes = env.getOrDefault("SLURM_JOB_NODELIST", env.get("SLURM_NODELIST"));
        if (nodes == null || nodes.isBlank()) {
            throw new GradregException("SLURM_NTASKS is set but SLURM_JOB_NODELIST is not; give --world-size, --rank and --master");
        }
        long job = longNumber(env, "SLURM_JOB_ID");
        if (world < 1 || rank < 0 || rank >= world) {
            throw new GradregException("SLURM_PROCID " + rank + " is not a rank of SLURM_NTASKS " + world);
        }
        String host = firstHost(nodes);
        int count = env.containsKey("SLURM_JOB_NUM_NODES") ? number(env, "SLURM_JOB_NUM_NODES")
                : env.containsKey("SLURM_NNODES") ? number(env, "SLURM_NNODES") : 1;
        return Optional.of(new SlurmTasks(world, rank, host, (int) (BASE_PORT + job % PORTS), count));
    }

    /**
     * Refuses a master that the other nodes cannot reach: when the job spans several nodes and the
     * master's name resolves only to loopback here (Debian maps a machine's own name to
     * 127.0.1.1), rank 0 would bind Gloo where no other node can connect.
     */
    public void requireReachableMaster() {
        requireReachableMaster(h -> {
            try {
                return InetAddress.getAllByName(h);
            } catch (UnknownHostException e) {
                throw new GradregException("the Slurm master host " + h + " does not resolve on this node: " + e.getMessage());
            }
        });
    }

    void requireReachableMaster(Function<String, InetAddress[]> resolve) {
        if (nodes < 2 || world < 2) {
            return;
        }
        InetAddress[] addresses = resolve.apply(masterHost);
        if (Arrays.stream(addresses).allMatch(InetAddress::isLoopbackAddress)) {
            throw new GradregException("the Slurm master host " + masterHost + " resolves to " + addresses[0].getHostAddress()
                    + " on this node, which the other nodes cannot reach; give --master ADDRESS:PORT with an address they reach");
        }
    }

    /** {@code HOST:PORT}, as {@code --master} takes it. */
    public String master() {
        return masterHost + ":" + masterPort;
    }

    /**
     * The first host of a Slurm host list in its compact form: {@code node[07-09,12],gpu1} gives
     * {@code node07}, {@code rack[1-2]-n[3-4]} gives {@code rack1-n3}, {@code a,b} gives {@code a}.
     * The first range of every bracket starts the first host (Slurm expands them in that order).
     */
    public static String firstHost(String nodelist) {
        String s = nodelist.trim();
        int depth = 0;
        int end = s.length();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '[') {
                depth++;
            } else if (c == ']') {
                depth--;
            } else if (c == ',' && depth == 0) {
                end = i;
                break;
            }
        }
        String first = s.substring(0, end);
        StringBuilder host = new StringBuilder();
        int i = 0;
        while (i < first.length()) {
            char c = first.charAt(i);
            if (c != '[') {
                host.append(c);
                i++;
                continue;
            }
            int close = first.indexOf(']', i);
            if (close < 0) {
                throw new GradregException("cannot read the Slurm host list '" + nodelist + "': unclosed '['");
            }
            String range = first.substring(i + 1, close).split(",")[0].split("-")[0];
            if (!range.matches("\\d+")) {
                throw new GradregException("cannot read the Slurm host list '" + nodelist + "': '" + range + "' is not a number");
            }
            host.append(range); // keeps the zero padding, as Slurm does
            i = close + 1;
        }
        if (host.isEmpty()) {
            throw new GradregException("cannot read the Slurm host list '" + nodelist + "'");
        }
        return host.toString();
    }

    private static int number(Map<String, String> env, String name) {
        long v = longNumber(env, name);
        if (v > Integer.MAX_VALUE) {
            throw new GradregException(name + " is too large: " + v);
        }
        return (int) v;
    }

    private static long longNumber(Map<String, String> env, String name) {
        String v = env.get(name);
        try {
            return Long.parseLong(v == null ? "" : v.trim());
        } catch (NumberFormatException e) {
            throw new GradregException(name + " is not a number: '" + v + "'");
        }
    }
}
