package io.gradreg.train;

import static org.junit.jupiter.api.Assertions.*;

import io.gradreg.GradregException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Slurm's environment as a data-parallel group: host lists in their compact form, and who qualifies. */
class SlurmTasksTest {
    @Test
    void theFirstHostOfACompactHostList() {
        assertEquals("vm", SlurmTasks.firstHost("vm"));
        assertEquals("node07", SlurmTasks.firstHost("node[07-09,12]"));
        assertEquals("node12", SlurmTasks.firstHost("node[12,07-09]")); // Slurm keeps the order it was given
        assertEquals("gpu-a1", SlurmTasks.firstHost("gpu-a1,gpu-b[2-3]"));
        assertEquals("cn003", SlurmTasks.firstHost("cn[003-010],gpu[1-2]"));
        assertEquals("rack1-n03", SlurmTasks.firstHost("rack[1-2]-n[03-04]"));
        assertEquals("c5.cluster", SlurmTasks.firstHost("c[5-6].cluster"));
        assertEquals("cannot read the Slurm host list 'n[1-2': unclosed '['",
                assertThrows(GradregException.class, () -> SlurmTasks.firstHost("n[1-2")).getMessage());
        assertEquals("cannot read the Slurm host list 'n[a-b]': 'a' is not a number",
                assertThrows(GradregException.class, () -> SlurmTasks.firstHost("n[a-b]")).getMessage());
    }

    /**
     * Whole lists, as {@code scontrol show hostnames} (Slurm 22.05, on the two-node test cluster)
     * printed them; SlurmClusterTest compares the same lists with the live scontrol.
     */
    @Test
    void aHostListExpandsAsScontrolShowHostnames() {
        assertEquals(List.of("node1", "node2"), SlurmTasks.hostnames("node[1-2]"));
        assertEquals(List.of("a", "b"), SlurmTasks.hostnames("a,b"));
        assertEquals(List.of("node12", "node07", "node08", "node09"), SlurmTasks.hostnames("node[12,07-09]"));
        assertEquals(List.of("n098", "n099", "n100"), SlurmTasks.hostnames("n[098-100]"));
        assertEquals(List.of("n8", "n9", "n10"), SlurmTasks.hostnames("n[8-10]"));
        assertEquals(List.of("n01", "n02"), SlurmTasks.hostnames("n[01-2]")); // padded to the lower bound's width
        assertEquals(List.of("n1", "n2"), SlurmTasks.hostnames("n[1-02]"));
        assertEquals(List.of("n1", "n2", "n1"), SlurmTasks.hostnames("n[1-2],n1")); // duplicates kept, order kept
        assertEquals(List.of("n1", "n2", "n3", "n2"), SlurmTasks.hostnames("n[1-3,2]"));
        assertEquals(List.of("rack1-n3", "rack1-n4", "rack2-n3", "rack2-n4"), SlurmTasks.hostnames("rack[1-2]-n[3-4]"));
        assertEquals(List.of("gpu-a1", "gpu-b2", "gpu-b3"), SlurmTasks.hostnames("gpu-a1,gpu-b[2-3]"));
        assertEquals(List.of("n1"), SlurmTasks.hostnames(" n1 "));
        assertEquals(List.of("a", "b", "c"), SlurmTasks.hostnames("a b\tc")); // blanks separate, as commas do
        assertEquals(List.of("n1", "n2"), SlurmTasks.hostnames("n1,,n2"));
        assertEquals(List.of("n00", "n01", "n02", "m5"), SlurmTasks.hostnames("n[00-02],m5"));
        assertEquals(List.of("n0"), SlurmTasks.hostnames("n[0-0]"));
        assertEquals(List.of("1", "2"), SlurmTasks.hostnames("[1-2]"));
    }

    @Test
    void aBadHostListIsAOneLineError() {
        Map<String, String> bad = new java.util.LinkedHashMap<>();
        bad.put("n[3-1]", "cannot read the Slurm host list 'n[3-1]': the range '3-1' runs backwards");
        bad.put("n[]", "cannot read the Slurm host list 'n[]': an empty number in '[]'");
        bad.put("n[1,,2]", "cannot read the Slurm host list 'n[1,,2]': an empty number in '[1,,2]'");
        bad.put("n[1-]", "cannot read the Slurm host list 'n[1-]': an empty number in '[1-]'");
        bad.put("n[-1]", "cannot read the Slurm host list 'n[-1]': an empty number in '[-1]'");
        bad.put("n[1-2-3]", "cannot read the Slurm host list 'n[1-2-3]': '1-2-3' is not a number or a range lo-hi");
        bad.put("n[1-2]]", "cannot read the Slurm host list 'n[1-2]]': ']' without '['");
        bad.put("n[[1]]", "cannot read the Slurm host list 'n[[1]]': nested '['");
        bad.put("n[ 1-2]", "cannot read the Slurm host list 'n[ 1-2]': ' 1' is not a number");
        bad.put("n[1-1000000]", "cannot read the Slurm host list 'n[1-1000000]': the range '1-1000000' holds more than 65536 hosts");
        bad.put(" , ", "cannot read the Slurm host list ' , '");
        bad.put("", "the Slurm host list is empty");
        bad.forEach((list, message) -> assertEquals(message, assertThrows(GradregException.class, () -> SlurmTasks.hostnames(list)).getMessage(), list));
    }

    @Test
    void anSrunTaskGetsWorldRankAndAMasterPortFromTheJobId() {
        Map<String, String> env = Map.of("SLURM_STEP_ID", "0", "SLURM_PROCID", "3", "SLURM_NTASKS", "8",
                "SLURM_JOB_NODELIST", "cn[004-005]", "SLURM_JOB_ID", "123456");
        assertEquals(Optional.of(new SlurmTasks(8, 3, "cn004", 20456, 1)), SlurmTasks.fromEnv(env));
        // 17000 + 123456 mod 15000
        assertEquals("cn004:20456", SlurmTasks.fromEnv(env).orElseThrow().master());
    }

    @Test
    void aStepOnSomeOfItsJobsNodesMeetsOnTheStepsFirstNode() {
        // srun -N1 -n2 -w node2 inside a two-node job, as the test cluster's srun sets it
        Map<String, String> env = Map.of("SLURM_STEP_ID", "0", "SLURM_PROCID", "1", "SLURM_NTASKS", "2", "SLURM_JOB_ID", "26",
                "SLURM_JOB_NODELIST", "node[1-2]", "SLURM_NODELIST", "node[1-2]", "SLURM_JOB_NUM_NODES", "2", "SLURM_NNODES", "1",
                "SLURM_STEP_NODELIST", "node2", "SLURM_STEP_NUM_NODES", "1");
        assertEquals(Optional.of(new SlurmTasks(2, 1, "node2", 17026, 1)), SlurmTasks.fromEnv(env));
    }

    @Test
    void aBatchScriptOrNoSlurmIsNotAGroup() {
        // what sbatch --ntasks=2 gives its batch script (checked on this machine's Slurm): no SLURM_STEP_ID
        assertEquals(Optional.empty(), SlurmTasks.fromEnv(Map.of("SLURM_PROCID", "0", "SLURM_NTASKS", "2",
                "SLURM_JOB_NODELIST", "vm", "SLURM_JOB_ID", "2")));
        assertEquals(Optional.empty(), SlurmTasks.fromEnv(Map.of()));
    }

    @Test
    void aMultiNodeMasterThatResolvesToLoopbackIsRefused() throws Exception {
        var loopback = new java.net.InetAddress[] {java.net.InetAddress.getByAddress("cn1", new byte[] {127, 0, 1, 1})};
        var lan = new java.net.InetAddress[] {java.net.InetAddress.getByAddress("cn1", new byte[] {10, 0, 0, 7})};
        Map<String, String> env = new java.util.HashMap<>(Map.of("SLURM_STEP_ID", "0", "SLURM_PROCID", "0", "SLURM_NTASKS", "2",
                "SLURM_JOB_NODELIST", "cn[1-2]", "SLURM_JOB_ID", "5", "SLURM_JOB_NUM_NODES", "2"));
        SlurmTasks two = SlurmTasks.fromEnv(env).orElseThrow();
        assertEquals(new SlurmTasks(2, 0, "cn1", 17005, 2), two);
        assertEquals("the Slurm master host cn1 resolves to 127.0.1.1 on this node, which the other nodes cannot reach;"
                + " give --master ADDRESS:PORT with an address they reach",
                assertThrows(GradregException.class, () -> two.requireReachableMaster(h -> loopback)).getMessage());
        two.requireReachableMaster(h -> lan);
        env.put("SLURM_JOB_NUM_NODES", "1"); // one node: loopback is where everyone meets
        SlurmTasks.fromEnv(env).orElseThrow().requireReachableMaster(h -> loopback);
    }

    @Test
    void inconsistentSlurmVariablesAreOneLineErrors() {
        assertEquals("SLURM_PROCID 2 is not a rank of SLURM_NTASKS 2", assertThrows(GradregException.class, () -> SlurmTasks.fromEnv(Map.of(
                "SLURM_STEP_ID", "0", "SLURM_PROCID", "2", "SLURM_NTASKS", "2", "SLURM_JOB_NODELIST", "vm", "SLURM_JOB_ID", "1"))).getMessage());
        assertEquals("SLURM_NTASKS is not a number: 'two'", assertThrows(GradregException.class, () -> SlurmTasks.fromEnv(Map.of(
                "SLURM_STEP_ID", "0", "SLURM_PROCID", "0", "SLURM_NTASKS", "two", "SLURM_JOB_NODELIST", "vm", "SLURM_JOB_ID", "1"))).getMessage());
    }
}
