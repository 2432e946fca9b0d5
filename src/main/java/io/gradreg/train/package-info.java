/**
 * Training: one run, typed ({@link io.gradreg.train.RunSpec}), its flags ({@link io.gradreg.train.RunFlags}),
 * and its runner ({@link io.gradreg.train.Run}), which owns the run directory; the training loop
 * ({@link io.gradreg.train.Trainer}) with its batches, optimizer step, checkpoints and data parallelism;
 * the results' one schema ({@link io.gradreg.train.RunRecords}).
 */
package io.gradreg.train;
