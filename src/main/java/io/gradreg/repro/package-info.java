/**
 * The reproductions of the papers' claims, one class per experiment ({@code gradreg reproduce NAME}),
 * with their shared protocols and report helpers; results go to docs/results.
 */
package io.gradreg.repro;
