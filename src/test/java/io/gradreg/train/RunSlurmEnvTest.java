package io.gradreg.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** train under srun: Slurm's environment fills in world size, rank, master and threads, and explicit flags win. */
class TrainSlurmEnvTest {
    static final Map<String, String> STEP = Map.of("SLURM_STEP_ID", "0", "SLURM_PROCID", "1", "SLURM_NTASKS", "4",
            "SLURM_JOB_NODELIST", "cn[02-03]", "SLURM_JOB_ID", "77", "SLURM_CPUS_PER_TASK", "3");

    static TrainCommand parsed(Map<String, String> env, String... args) {
        TrainCommand t = new TrainCommand();
        CommandLine cl = new CommandLine(t);
        cl.parseArgs(args);
        t.fromSlurm(env, new PrintWriter(new StringWriter()));
        return t;
    }

    @Test
    void anSrunStepSetsTheGroup() {
        TrainCommand t = parsed(STEP);
        assertEquals(4, t.worldSize);
        assertEquals(1, t.rank);
        assertEquals("cn02:17077", t.master);
        assertEquals(3, t.threads);
    }

    @Test
    void explicitFlagsWin() {
        TrainCommand t = parsed(STEP, "--world-size", "1");
        assertEquals(1, t.worldSize);
        assertEquals(0, t.rank);
        assertEquals("127.0.0.1:29500", t.master);
        assertNull(t.threads);
        TrainCommand m = parsed(STEP, "--master", "10.0.0.1:29000", "--threads", "1");
        assertEquals(4, m.worldSize);
        assertEquals(1, m.rank);
        assertEquals("10.0.0.1:29000", m.master);
        assertEquals(1, m.threads);
    }

    @Test
    void outsideSlurmNothingChanges() {
        TrainCommand t = parsed(Map.of());
        assertEquals(1, t.worldSize);
        assertEquals("127.0.0.1:29500", t.master);
        assertNull(t.threads);
    }
}
