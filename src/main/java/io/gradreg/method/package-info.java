/**
 * The methods: each turns a batch into an update direction through an {@link io.gradreg.method.Oracle}
 * (plain, GR, SAM and its variants, flooding, the input-gradient penalties, the confidence penalty).
 * The objective and the way its second-order term is computed ({@link io.gradreg.method.SecondOrder})
 * are independent choices; {@link io.gradreg.method.Methods} builds one from its name and hyperparameters.
 * The formulas are in docs/methods.md.
 */
package io.gradreg.method;
