/**
 * File formats and plots: npy/npz, safetensors and IDX (ours: no library reads them without a large
 * dependency), JSON and YAML (Jackson), CSV (Commons CSV), tar (Commons Compress), PNG plots (XChart),
 * atomic writes and directory locks.
 */
package io.gradreg.io;
