package org.umsynth.cluster;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;

/**
 * SHA-256 over a table's rows sorted by key, every column byte for byte (binary columns as their bytes,
 * strings as UTF-8, numbers in big-endian IEEE/two's complement, nulls and lengths marked), after the
 * schema. Two tables with equal digests hold the same rows, whatever their files and partitions.
 */
public final class TableDigest {
    private TableDigest() {
    }

    /** The digest and the row count; fails when the key does not identify rows uniquely. */
    public record Digest(String sha256, long rows) {}

    public static Digest of(Dataset<Row> table, String... keys) {
        Column[] order = java.util.Arrays.stream(keys).map(functions::col).toArray(Column[]::new);
        List<Row> rows = table.orderBy(order).collectAsList();
        long distinct = table.select(order).distinct().count();
        if (distinct != rows.size()) {
            throw new IllegalArgumentException("key " + String.join(",", keys) + " is not unique: " + distinct
                    + " keys for " + rows.size() + " rows");
        }
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(table.schema().json().getBytes(StandardCharsets.UTF_8));
            ByteArrayOutputStream buffer = new ByteArrayOutputStream();
            for (Row r : rows) {
                buffer.reset();
                DataOutputStream out = new DataOutputStream(buffer);
                for (int i = 0; i < r.length(); i++) {
                    write(out, r.get(i));
                }
                out.flush();
                sha.update(buffer.toByteArray());
            }
            return new Digest(HexFormat.of().formatHex(sha.digest()), rows.size());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void write(DataOutputStream out, Object v) throws IOException {
        if (v == null) {
            out.writeByte(0);
            return;
        }
        if (v instanceof byte[] b) {
            out.writeByte(1);
            out.writeInt(b.length);
            out.write(b);
        } else if (v instanceof String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            out.writeByte(2);
            out.writeInt(b.length);
            out.write(b);
        } else if (v instanceof Integer x) {
            out.writeByte(3);
            out.writeInt(x);
        } else if (v instanceof Long x) {
            out.writeByte(4);
            out.writeLong(x);
        } else if (v instanceof Double x) {
            out.writeByte(5);
            out.writeLong(Double.doubleToRawLongBits(x));
        } else if (v instanceof Float x) {
            out.writeByte(6);
            out.writeInt(Float.floatToRawIntBits(x));
        } else if (v instanceof Boolean x) {
            out.writeByte(7);
            out.writeBoolean(x);
        } else if (v instanceof Short x) {
            out.writeByte(8);
            out.writeShort(x);
        } else if (v instanceof scala.collection.Seq<?> seq) {
            out.writeByte(9);
            out.writeInt(seq.size());
            for (int i = 0; i < seq.size(); i++) {
                write(out, seq.apply(i));
            }
        } else if (v instanceof Row nested) {
            out.writeByte(10);
            for (int i = 0; i < nested.length(); i++) {
                write(out, nested.get(i));
            }
        } else {
            throw new IllegalArgumentException("no byte encoding for a column value of " + v.getClass().getName());
        }
    }
}
