package io.gradreg.io;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.CheckedInputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/**
 * numpy {@code .npz} archives: a zip of {@code NAME.npy} entries, stored or deflated, as written by
 * {@code np.savez} and {@code np.savez_compressed}. Read through the JDK's {@link ZipFile}; every
 * entry's CRC-32 is checked, so a corrupted archive is refused as numpy refuses it.
 */
public final class Npz {
    private Npz() {}

    /**
     * The arrays of {@code file}, keyed by entry name without ".npy", in archive order. Supports
     * little-endian {@code <f4 <f8 <i8 <i4 |u1 |i1 |b1} in C order; anything else is a
     * GradregException naming the file and the array.
     */
    public static Map<String, NdArray> read(Path file) {
        IoErrors.requireReadableFile(file);
        ZipFile zip;
        try {
            zip = new ZipFile(file.toFile());
        } catch (ZipException | IllegalArgumentException e) {
            throw IoErrors.error(file, "not a zip archive (.npz): " + e.getMessage(), e);
        } catch (IOException e) {
            throw IoErrors.wrap(file, "cannot read", e);
        }
        try (zip) {
            Map<String, NdArray> out = new LinkedHashMap<>();
            for (Enumeration<? extends ZipEntry> en = zip.entries(); en.hasMoreElements(); ) {
                ZipEntry e = en.nextElement();
                if (!e.getName().endsWith(".npy")) {
                    throw IoErrors.error(file, "entry '" + e.getName() + "' is not a .npy array");
                }
                String name = e.getName().substring(0, e.getName().length() - 4);
                String where = "array '" + name + "'";
                // ZipFile does not check an entry's CRC-32 (ZipInputStream would, but reads only the local headers), so check it here.
                try (CheckedInputStream in = new CheckedInputStream(zip.getInputStream(e), new CRC32())) {
                    NdArray a = Npy.read(file, where, in);
                    Streams.countRemaining(in);
                    if (e.getCrc() != -1 && in.getChecksum().getValue() != e.getCrc()) {
                        throw IoErrors.error(file, where + " is corrupt: bad CRC-32 (" + Long.toHexString(in.getChecksum().getValue())
                                + ", the archive says " + Long.toHexString(e.getCrc()) + ")");
                    }
                    out.put(name, a);
                } catch (IOException ex) {
                    throw IoErrors.wrap(file, where + " cannot be read", ex);
                }
            }
            return out;
        } catch (IOException e) {
            throw IoErrors.wrap(file, "cannot read", e);
        } catch (IllegalArgumentException | IllegalStateException e) {
            // java.util.zip reports some malformed archives so, e.g. an entry name that is not valid UTF-8
            throw IoErrors.error(file, "corrupt zip archive (.npz): " + e.getMessage(), e);
        }
    }

    /**
     * Atomically writes {@code arrays} as an uncompressed .npz (like {@code np.savez}), one
     * version 1.0 {@code NAME.npy} entry per array, in iteration order.
     */
    public static void write(Path file, Map<String, NdArray> arrays) {
        AtomicFiles.write(file, raw -> {
            ZipOutputStream zip = new ZipOutputStream(raw);
            for (Map.Entry<String, NdArray> a : arrays.entrySet()) {
                byte[] header = Npy.header(a.getValue());
                ByteBuffer data = a.getValue().data();
                // STORED entries need their CRC and size up front.
                CRC32 crc = new CRC32();
                crc.update(header);
                crc.update(data.duplicate());
                ZipEntry e = new ZipEntry(a.getKey() + ".npy");
                e.setMethod(ZipEntry.STORED);
                e.setSize(header.length + a.getValue().byteSize());
                e.setCompressedSize(e.getSize());
                e.setCrc(crc.getValue());
                zip.putNextEntry(e);
                zip.write(header);
                Streams.write(zip, data);
                zip.closeEntry();
            }
            zip.finish();
        });
    }
}
