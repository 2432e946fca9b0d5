/**
 * libtorch, started once per process: only the bundled natives loaded ({@link io.gradreg.engine.Natives}),
 * the thread policy and seeds ({@link io.gradreg.engine.Engine}), parameter-space vectors
 * ({@link io.gradreg.engine.TensorList}) and host arrays. Device and thread handling live here and
 * nowhere else, so a GPU build can be added in this package without touching the methods.
 */
package io.gradreg.engine;
