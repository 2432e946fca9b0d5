package io.gradreg.sweep;

import io.gradreg.GradregException;
import io.gradreg.io.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A sweep as a Slurm job array: an sbatch script with one array task per run of the grid, each
 * task running {@code gradreg sweep SPEC --task $SLURM_ARRAY_TASK_ID} with one libtorch thread
 * per allocated CPU. Tasks of finished runs are left out of the array, and every task skips a
 * finished run and resumes from a checkpoint, so resubmitting (or Slurm's own requeue after a
 * preemption) continues the sweep where it stopped.
 */
public final class Slurm {
    /**
     * The sbatch settings: {@code partition}, {@code time} and {@code mem} may be null (the
     * cluster's defaults); {@code maxRunning} (the array's %N) may be 0 for no limit;
     * {@code sbatchArgs} are passed through as {@code #SBATCH} lines.
     */
    public record Options(String partition, String time, int cpusPerTask, String mem, int maxRunning, List<String> sbatchArgs) {}

    private Slurm() {}

    /**
     * The sbatch script for the runs of {@code spec} at {@code indices}. {@code gradreg} is the
     * command that starts gradreg on the compute nodes (this JVM's java and classpath, so the tasks
     * run this build), {@code workDir} the directory relative paths in the spec are resolved from.
     */
    public static String script(SweepSpec spec, Path specFile, List<Integer> indices, Options o, List<String> gradreg, Path workDir) {
        if (indices.isEmpty()) {
            throw new GradregException("no runs to submit");
        }
        if (o.cpusPerTask() < 1) {
            throw new GradregException("--cpus-per-task must be >= 1, got " + o.cpusPerTask());
        }
        Path out = spec.out().toAbsolutePath().normalize();
        StringBuilder s = new StringBuilder("#!/bin/bash\n");
        s.append("# gradreg sweep ").append(spec.name()).append(": ").append(indices.size()).append(" of ").append(spec.runs().size())
                .append(" runs, one array task each (written by gradreg sweep --slurm; resubmit with the same command).\n");
        s.append("#SBATCH --job-name=").append(("gradreg-" + spec.name()).replaceAll("[^A-Za-z0-9._-]", "-")).append('\n');
        s.append("#SBATCH --array=").append(ranges(indices)).append(o.maxRunning() > 0 ? "%" + o.maxRunning() : "").append('\n');
        s.append("#SBATCH --ntasks=1\n");
        s.append("#SBATCH --cpus-per-task=").append(o.cpusPerTask()).append('\n');
        if (o.partition() != null) {
            s.append("#SBATCH --partition=").append(o.partition()).append('\n');
        }
        if (o.time() != null) {
            s.append("#SBATCH --time=").append(o.time()).append('\n');
        }
        if (o.mem() != null) {
            s.append("#SBATCH --mem=").append(o.mem()).append('\n');
        }
        // Requeue after preemption or node failure; the requeued task resumes from its checkpoint.
        s.append("#SBATCH --requeue\n");
        s.append("#SBATCH --open-mode=append\n");
        s.append("#SBATCH --output=").append(out.resolve("slurm")).append("/%A_%a.out\n");
        for (String a : o.sbatchArgs()) {
            if (a.contains("\n")) {
                throw new GradregException("--sbatch-arg must be one line, got '" + a + "'");
            }
            s.append("#SBATCH ").append(a).append('\n');
        }
        s.append("\ncd ").append(quote(workDir.toAbsolutePath().normalize().toString())).append('\n');
        List<String> cmd = new ArrayList<>(gradreg);
        cmd.addAll(List.of("sweep", specFile.toAbsolutePath().normalize().toString(), "--out", out.toString()));
        s.append("exec");
        cmd.forEach(c -> s.append(' ').append(quote(c)));
        // exec: the JVM is the batch step itself, so Slurm's SIGTERM (time limit, preemption, scancel)
        // reaches it directly and the run checkpoints before it stops.
        s.append(" --task \"$SLURM_ARRAY_TASK_ID\" --threads \"${SLURM_CPUS_PER_TASK:-1}\"\n");
        return s.toString();
    }

    /** Writes {@code script} to {@code file} and submits it with {@code sbatch --parsable}; returns the job id. */
    public static String submit(String script, Path file) {
        try {
            Files.createDirectories(file.getParent());
        } catch (IOException e) {
            throw new GradregException(file.getParent() + ": cannot create: " + e.getMessage());
        }
        AtomicFiles.writeString(file, script);
        Process p;
        try {
            p = new ProcessBuilder("sbatch", "--parsable", file.toString()).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new GradregException("cannot run sbatch (is Slurm installed and on PATH?): " + e.getMessage());
        }
        try {
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new GradregException("sbatch did not answer within 120 s");
            }
            List<String> lines = output.lines().toList();
            String last = lines.isEmpty() ? "" : lines.get(lines.size() - 1);
            if (p.exitValue() != 0 || !last.matches("\\d+(;\\S+)?")) {
                throw new GradregException("sbatch refused " + file + ": " + (output.isEmpty() ? "exit code " + p.exitValue() : String.join("; ", lines)));
            }
            return last.split(";")[0];
        } catch (IOException e) {
            throw new GradregException("cannot read sbatch's answer: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GradregException("interrupted while waiting for sbatch");
        }
    }

    /** Sorted indices as Slurm's array syntax, consecutive ones as ranges: [0,1,2,5,7,8] is "0-2,5,7-8". */
    static String ranges(List<Integer> indices) {
        List<Integer> sorted = indices.stream().sorted().distinct().toList();
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < sorted.size(); ) {
            int j = i;
            while (j + 1 < sorted.size() && sorted.get(j + 1) == sorted.get(j) + 1) {
                j++;
            }
            s.append(s.isEmpty() ? "" : ",").append(sorted.get(i)).append(j > i ? "-" + sorted.get(j) : "");
            i = j + 1;
        }
        return s.toString();
    }

    /** A word for bash, in single quotes when it holds anything but safe characters. */
    static String quote(String word) {
        return word.matches("[A-Za-z0-9_./=:+,@%-]+") ? word : "'" + word.replace("'", "'\\''") + "'";
    }
}
