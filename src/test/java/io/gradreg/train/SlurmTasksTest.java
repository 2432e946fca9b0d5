package io.gradreg.train;

import static org.junit.jupiter.api.Assertions.*;

import io.gradreg.GradregException;
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

    @Test
    void anSrunTaskGetsWorldRankAndAMasterPortFromTheJobId() {
        Map<String, String> env = Map.of("SLURM_STEP_ID", "0", "SLURM_PROCID", "3", "SLURM_NTASKS", "8",
                "SLURM_JOB_NODELIST", "cn[004-005]", "SLURM_JOB_ID", "123456");
        assertEquals(Optional.of(new SlurmTasks(8, 3, "cn004", 20456, 1)), SlurmTasks.fromEnv(env));
        // 17000 + 123456 mod 15000
        assertEquals("cn004:20456", SlurmTasks.fromEnv(env).orElseThrow().master());
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
