/**
 * What methods do to the loss landscape: full-dataset loss, accuracy and gradient, Hessian-vector
 * products, the top eigenvalue (Lanczos) and trace (Hutchinson), sharpness, R_IG, robustness to
 * parameter noise ({@link io.gradreg.analysis.RunAnalysis} puts them together), and the solvable models' limits.
 */
package io.gradreg.analysis;
