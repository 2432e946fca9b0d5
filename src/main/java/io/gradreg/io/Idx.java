package io.gradreg.io;

import java.io.BufferedInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * The IDX format of the MNIST files: magic {@code 00 00 TYPE NDIMS}, then NDIMS big-endian i32
 * dimensions, then big-endian row-major data. Gzip-compressed files are detected by their content
 * (0x1f 0x8b), whatever their name.
 */
public final class Idx {
    private static final int U8 = 0x08, I8 = 0x09, I16 = 0x0B, I32 = 0x0C, F32 = 0x0D, F64 = 0x0E;

    private Idx() {}

    /**
     * Reads an IDX file into a little-endian array: u8 → U8, i8 → I8, i16 and i32 → I32 (i16 is
     * widened, as there is no I16 dtype), f32 → F32, f64 → F64.
     */
    public static NdArray read(Path file) {
        IoErrors.requireReadableFile(file);
        try (InputStream in = open(file)) {
            byte[] head = new byte[4];
            int got = Streams.readUpTo(in, head, 4);
            if (got < 4) {
                throw IoErrors.error(file, "not an IDX file: only " + got + " bytes, no 4-byte magic");
            }
            int magic = ByteBuffer.wrap(head).getInt();
            if (head[0] != 0 || head[1] != 0) {
                throw IoErrors.error(file, String.format(
                        "not an IDX file: magic 0x%08X does not start with two zero bytes", magic));
            }
            int type = head[2] & 0xff;
            int srcSize = sourceSize(type);
            if (srcSize == 0) {
                throw IoErrors.error(file, String.format("unsupported IDX type code 0x%02X"
                        + " (supported: 0x08 u8, 0x09 i8, 0x0B i16, 0x0C i32, 0x0D f32, 0x0E f64)", type));
            }
            int ndims = head[3] & 0xff;
            byte[] dimBytes = new byte[4 * ndims];
            got = Streams.readUpTo(in, dimBytes, dimBytes.length);
            if (got < dimBytes.length) {
                throw IoErrors.error(file, "header is truncated: expected " + ndims
                        + " dimensions (" + dimBytes.length + " bytes), found " + got + " bytes");
            }
            long[] shape = new long[ndims];
            ByteBuffer dims = ByteBuffer.wrap(dimBytes);
            for (int i = 0; i < ndims; i++) {
                shape[i] = Integer.toUnsignedLong(dims.getInt());
            }
            // i16 is widened to 4 bytes in memory, so check the larger of the two sizes.
            long expected = Math.multiplyExact(NdArray.numel(shape), (long) srcSize);
            long inMemory = type == I16 ? Math.multiplyExact(expected, 2L) : expected;
            if (inMemory > Integer.MAX_VALUE - 8) {
                throw IoErrors.error(file, "shape " + Arrays.toString(shape) + " is too large to load");
            }
            // readNBytes grows with what arrives, so a corrupt header claiming a huge shape costs no memory.
            byte[] raw = in.readNBytes((int) expected);
            got = raw.length;
            long found = got < expected ? got : got + Streams.countRemaining(in);
            if (found != expected) {
                throw IoErrors.error(file, (found < expected ? "truncated data" : "trailing data")
                        + " for shape " + Arrays.toString(shape) + ": expected " + expected
                        + " bytes of data, found " + found);
            }
            return toLittleEndian(type, shape, raw);
        } catch (ArithmeticException e) {
            throw IoErrors.error(file, "shape is too large to load");
        } catch (IOException e) {
            throw IoErrors.wrap(file, "cannot read", e);
        }
    }

    /**
     * Atomically writes {@code a} as IDX (U8, I8, I32, F32 or F64); gzip-compressed if the file
     * name ends in ".gz".
     */
    public static void write(Path file, NdArray a) {
        int type = switch (a.dtype()) {
            case U8 -> U8;
            case I8 -> I8;
            case I32 -> I32;
            case F32 -> F32;
            case F64 -> F64;
            default -> throw IoErrors.error(file, "IDX cannot store " + a.dtype()
                    + " (supported: U8, I8, I32, F32, F64)");
        };
        long[] shape = a.shape();
        if (shape.length > 255 || Arrays.stream(shape).anyMatch(d -> d > 0xFFFF_FFFFL)) {
            throw IoErrors.error(file, "IDX cannot store shape " + Arrays.toString(shape));
        }
        boolean gzip = file.getFileName().toString().endsWith(".gz");
        AtomicFiles.write(file, raw -> {
            OutputStream os = gzip ? new GZIPOutputStream(raw, 1 << 16) : raw;
            DataOutputStream out = new DataOutputStream(os); // big-endian, as IDX wants
            out.writeInt(type << 8 | shape.length);
            for (long d : shape) {
                out.writeInt((int) d);
            }
            ByteBuffer data = a.data();
            int size = a.dtype().byteSize();
            if (size == 1) {
                Streams.write(out, data);
            } else {
                byte[] be = new byte[(int) a.byteSize()];
                ByteBuffer dst = ByteBuffer.wrap(be); // big-endian by default
                for (int i = 0; i < be.length; i += size) {
                    if (size == 4) dst.putInt(i, data.getInt(i));
                    else dst.putLong(i, data.getLong(i));
                }
                out.write(be);
            }
            out.flush();
            if (os instanceof GZIPOutputStream g) {
                g.finish();
            }
        });
    }

    private static InputStream open(Path file) throws IOException {
        BufferedInputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        in.mark(2);
        int b0 = in.read(), b1 = in.read();
        in.reset();
        return b0 == 0x1f && b1 == 0x8b ? new BufferedInputStream(new GZIPInputStream(in, 1 << 16), 1 << 16) : in;
    }

    /** Bytes per element on disk, or 0 for an unknown type code. */
    private static int sourceSize(int type) {
        return switch (type) {
            case U8, I8 -> 1;
            case I16 -> 2;
            case I32, F32 -> 4;
            case F64 -> 8;
            default -> 0;
        };
    }

    private static NdArray toLittleEndian(int type, long[] shape, byte[] raw) {
        ByteBuffer src = ByteBuffer.wrap(raw); // big-endian
        return switch (type) {
            case U8 -> new NdArray(DType.U8, shape, src);
            case I8 -> new NdArray(DType.I8, shape, src);
            case I16 -> {
                ByteBuffer dst = ByteBuffer.allocate(raw.length * 2).order(ByteOrder.LITTLE_ENDIAN);
                for (int i = 0; i < raw.length; i += 2) dst.putInt(src.getShort(i));
                yield new NdArray(DType.I32, shape, dst.flip());
            }
            case I32, F32 -> {
                ByteBuffer dst = ByteBuffer.allocate(raw.length).order(ByteOrder.LITTLE_ENDIAN);
                for (int i = 0; i < raw.length; i += 4) dst.putInt(src.getInt(i));
                yield new NdArray(type == I32 ? DType.I32 : DType.F32, shape, dst.flip());
            }
            default -> {
                ByteBuffer dst = ByteBuffer.allocate(raw.length).order(ByteOrder.LITTLE_ENDIAN);
                for (int i = 0; i < raw.length; i += 8) dst.putLong(src.getLong(i));
                yield new NdArray(DType.F64, shape, dst.flip());
            }
        };
    }
}
