/**
 * The statistics the reproductions report: mean and sample standard deviation, medians, paired
 * differences with their standard error, seeds won, Spearman rank correlation, log-log slopes.
 */
package io.gradreg.stats;
