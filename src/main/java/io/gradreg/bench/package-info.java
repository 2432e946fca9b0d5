/**
 * {@code gradreg bench}: step times per method and model, the machine's matmul peak, native memory,
 * thread settings, and the PyTorch peer timed side by side ({@code bench/torch_peer.py}).
 */
package io.gradreg.bench;
