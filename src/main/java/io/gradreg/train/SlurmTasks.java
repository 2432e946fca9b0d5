package io.gradreg.train;

import io.gradreg.GradregException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * A data-parallel group as Slurm describes it to the tasks of an {@code srun} step: world size
 * {@code SLURM_NTASKS}, rank {@code SLURM_PROCID}, master the first host of the step's node list
 * (Slurm places task 0 there), and a port derived from the job id so that two jobs sharing a node
 * do not meet at the same port; {@code nodes} is the step's node count. The node list is
 * {@code SLURM_STEP_NODELIST}, else {@code SLURM_JOB_NODELIST}: a step may run on some of its
 * job's nodes ({@code srun -N1 -w node2} inside a two-node job), and then task 0 is on the step's
 * first node, not the job's (seen on the two-node test cluster). The list is expanded as
 * {@code scontrol show hostnames} expands it ({@link #hostnames}); the host name is resolved, and
 * the interface to the master chosen, where the worker joins ({@link MasterRoute}).
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
        String nodes = firstSet(env, "SLURM_STEP_NODELIST", "SLURM_JOB_NODELIST", "SLURM_NODELIST");
        if (nodes == null) {
            throw new GradregException("SLURM_NTASKS is set but SLURM_JOB_NODELIST is not; give --world-size, --rank and --master");
        }
        long job = longNumber(env, "SLURM_JOB_ID");
        if (world < 1 || rank < 0 || rank >= world) {
            throw new GradregException("SLURM_PROCID " + rank + " is not a rank of SLURM_NTASKS " + world);
        }
        String host = firstHost(nodes);
        String countVar = firstSetName(env, "SLURM_STEP_NUM_NODES", "SLURM_JOB_NUM_NODES", "SLURM_NNODES");
        int count = countVar == null ? 1 : number(env, countVar);
        return Optional.of(new SlurmTasks(world, rank, host, (int) (BASE_PORT + job % PORTS), count));
    }

    private static String firstSet(Map<String, String> env, String... names) {
        String name = firstSetName(env, names);
        return name == null ? null : env.get(name);
    }

    private static String firstSetName(Map<String, String> env, String... names) {
        for (String n : names) {
            String v = env.get(n);
            if (v != null && !v.isBlank()) {
                return n;
            }
        }
        return null;
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
     * {@code node07}, {@code rack[1-2]-n[3-4]} gives {@code rack1-n3}, {@code a,b} gives {@code a}:
     * the first of {@link #hostnames}, where Slurm places task 0.
     */
    public static String firstHost(String nodelist) {
        return hostnames(nodelist).get(0);
    }

    /** Hosts a single bracket range may expand to (Slurm's own limit is of this order). */
    static final int MAX_RANGE = 65536;

    /**
     * A Slurm host list expanded as {@code scontrol show hostnames} expands it: comma-separated
     * entries (commas inside brackets do not separate) in the order given, duplicates kept; each
     * bracket holds comma-separated numbers and ranges {@code lo-hi}, zero-padded to the width of
     * {@code lo} ({@code n[08-10]} is n08 n09 n10, {@code n[8-10]} is n8 n9 n10); several brackets
     * in one entry multiply, the first varying slowest ({@code rack[1-2]-n[3-4]} is rack1-n3
     * rack1-n4 rack2-n3 rack2-n4). Blanks separate entries as commas do, and empty entries are
     * ignored, as in Slurm. Anything else is a one-line {@link GradregException} naming the list.
     */
    public static List<String> hostnames(String nodelist) {
        if (nodelist == null || nodelist.isBlank()) {
            throw new GradregException("the Slurm host list is empty");
        }
        List<String> hosts = new ArrayList<>();
        for (String entry : entries(nodelist)) {
            List<String> expanded = List.of("");
            int i = 0;
            while (i < entry.length()) {
                int open = entry.indexOf('[', i);
                int stop = open < 0 ? entry.length() : open;
                String literal = entry.substring(i, stop);
                if (literal.indexOf(']') >= 0) {
                    throw new GradregException("cannot read the Slurm host list '" + nodelist + "': ']' without '['");
                }
                expanded = product(expanded, List.of(literal), nodelist);
                if (open < 0) {
                    break;
                }
                int close = entry.indexOf(']', open);
                if (close < 0) {
                    throw new GradregException("cannot read the Slurm host list '" + nodelist + "': unclosed '['");
                }
                expanded = product(expanded, numbers(entry.substring(open + 1, close), nodelist), nodelist);
                i = close + 1;
            }
            hosts.addAll(expanded);
        }
        if (hosts.isEmpty()) {
            throw new GradregException("cannot read the Slurm host list '" + nodelist + "'");
        }
        return hosts;
    }

    /** The list split at the commas and blanks outside brackets (Slurm separates at both), empty entries dropped. */
    private static List<String> entries(String nodelist) {
        List<String> entries = new ArrayList<>();
        int depth = 0;
        int from = 0;
        for (int i = 0; i <= nodelist.length(); i++) {
            char c = i < nodelist.length() ? nodelist.charAt(i) : ',';
            if (c == '[') {
                if (++depth > 1) {
                    throw new GradregException("cannot read the Slurm host list '" + nodelist + "': nested '['");
                }
            } else if (c == ']') {
                depth = Math.max(0, depth - 1);
            } else if ((depth == 0 && (c == ',' || Character.isWhitespace(c))) || i == nodelist.length()) {
                String e = nodelist.substring(from, i);
                if (!e.isEmpty()) {
                    entries.add(e);
                }
                from = i + 1;
            }
        }
        return entries;
    }

    /** The numbers of one bracket, e.g. {@code 07-09,12}, as zero-padded strings in the order given. */
    private static List<String> numbers(String ranges, String nodelist) {
        List<String> out = new ArrayList<>();
        for (String r : ranges.split(",", -1)) {
            String[] ends = r.split("-", -1);
            if (ends.length > 2) {
                throw new GradregException("cannot read the Slurm host list '" + nodelist + "': '" + r + "' is not a number or a range lo-hi");
            }
            for (String e : ends) {
                if (!e.matches("\\d+")) {
                    throw new GradregException("cannot read the Slurm host list '" + nodelist + "': "
                            + (e.isEmpty() ? "an empty number in '[" + ranges + "]'" : "'" + e + "' is not a number"));
                }
            }
            if (ends[0].length() > 18 || ends[ends.length - 1].length() > 18) {
                throw new GradregException("cannot read the Slurm host list '" + nodelist + "': '" + r + "' is too large");
            }
            long lo = Long.parseLong(ends[0]);
            long hi = ends.length == 2 ? Long.parseLong(ends[1]) : lo;
            if (hi < lo) {
                throw new GradregException("cannot read the Slurm host list '" + nodelist + "': the range '" + r + "' runs backwards");
            }
            if (hi - lo >= MAX_RANGE) {
                throw new GradregException("cannot read the Slurm host list '" + nodelist + "': the range '" + r + "' holds more than "
                        + MAX_RANGE + " hosts");
            }
            int width = ends[0].length();
            for (long v = lo; v <= hi; v++) {
                String digits = Long.toString(v);
                out.add("0".repeat(Math.max(0, width - digits.length())) + digits);
            }
        }
        return out;
    }

    private static List<String> product(List<String> prefixes, List<String> parts, String nodelist) {
        if ((long) prefixes.size() * parts.size() > MAX_RANGE) {
            throw new GradregException("cannot read the Slurm host list '" + nodelist + "': it names more than " + MAX_RANGE + " hosts in one entry");
        }
        List<String> out = new ArrayList<>(prefixes.size() * parts.size());
        for (String p : prefixes) {
            for (String q : parts) {
                out.add(p + q);
            }
        }
        return out;
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
