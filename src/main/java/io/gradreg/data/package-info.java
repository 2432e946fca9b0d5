/**
 * Datasets and where they come from: npz, CSV and IDX files, the checksum-verified MNIST cache, CIFAR's
 * binary files, synthetic tasks; class-balanced subsets, holdout splits, standardization and augmentation.
 */
package io.gradreg.data;
