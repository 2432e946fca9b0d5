package io.gradreg.train;

import static org.junit.jupiter.api.Assertions.*;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** train under srun: Slurm's environment fills in world size, rank, master and threads, and explicit flags win. */
class RunSlurmEnvTest {
    static final Map<String, String> STEP = Map.of("SLURM_STEP_ID", "0", "SLURM_PROCID", "1", "SLURM_NTASKS", "4",
            "SLURM_JOB_NODELIST", "cn[02-03]", "SLURM_JOB_ID", "77", "SLURM_CPUS_PER_TASK", "3");

    static RunSpec.Execution resolved(Map<String, String> env, String... args) {
        List<String> a = new ArrayList<>(List.of("--data", "d.npz", "--model", "mlp:2-2"));
        a.addAll(List.of(args));
        RunSpec s = RunFlags.parse(a, "test").toSpec();
        return Run.withSlurm(s, env, new PrintWriter(new StringWriter())).execution();
    }

    @Test
    void anSrunStepSetsTheGroup() {
        RunSpec.Execution t = resolved(STEP);
        assertEquals(4, t.worldSize());
        assertEquals(1, t.rank());
        assertEquals("cn02:17077", t.master());
        assertEquals(3, t.threads());
    }

    @Test
    void explicitFlagsWin() {
        RunSpec.Execution t = resolved(STEP, "--world-size", "1");
        assertEquals(1, t.worldSize());
        assertEquals(0, t.rank());
        assertEquals("127.0.0.1:29500", t.master());
        assertNull(t.threads());
        RunSpec.Execution m = resolved(STEP, "--master", "10.0.0.1:29000", "--threads", "1");
        assertEquals(4, m.worldSize());
        assertEquals(1, m.rank());
        assertEquals("10.0.0.1:29000", m.master());
        assertEquals(1, m.threads());
    }

    @Test
    void outsideSlurmNothingChanges() {
        RunSpec.Execution t = resolved(Map.of());
        assertEquals(1, t.worldSize());
        assertEquals("127.0.0.1:29500", t.master());
        assertNull(t.threads());
    }
}
