/**
 * Models with the parameter and buffer names of the equivalent PyTorch modules ({@code state_dict}):
 * MLPs, LeNet-5, a small CNN, ResNet, wide ResNets and the solvable models, built from a spec string
 * by {@link io.gradreg.nn.Models}; our {@link io.gradreg.nn.BatchNorm}, which perturbed passes can freeze;
 * safetensors {@link io.gradreg.nn.Weights}.
 */
package io.gradreg.nn;
