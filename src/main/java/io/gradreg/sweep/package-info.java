/**
 * Grids of training runs: YAML specs ({@link io.gradreg.sweep.SweepSpec}), worker processes or
 * in-process runs ({@link io.gradreg.sweep.Launcher}), result tables and plots, and Slurm job arrays.
 */
package io.gradreg.sweep;
