package org.umsynth.report;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.imageio.ImageIO;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.umsynth.io.volume.PixelCodec;
import org.umsynth.model.image.Resize;
import org.umsynth.tables.TableStore;
import org.umsynth.tables.Tables;

/** Run files and tables the report reads, written the way the stages write them (no training needed). */
public final class ReportFixtures {
    private ReportFixtures() {
    }

    /**
     * A synthetic set made from the masks and their source slices: the image is the source slice at the
     * mask's resolution plus 30 HU, the segmentation the label resized by majority vote.
     */
    public static long syntheticSet(SparkSession spark, String data, String name) throws IOException {
        TableStore store = new TableStore(spark, data);
        Dataset<Row> joined = store.read(Tables.MASKS).select("case_id", "slice_index", "rows", "cols", "um")
                .join(store.read(Tables.SLICES).select("case_id", "slice_index", "rows", "cols", "hu", "label", "spacing_x",
                                "spacing_y", "spacing_z")
                                .withColumnRenamed("rows", "slice_rows").withColumnRenamed("cols", "slice_cols"),
                        scala.collection.JavaConverters.asScalaBuffer(List.of("case_id", "slice_index")).toSeq())
                .orderBy("case_id", "slice_index");
        List<Row> rows = new ArrayList<>();
        int k = 0;
        for (Row r : joined.collectAsList()) {
            int rowsN = r.getAs("rows");
            int cols = r.getAs("cols");
            int srcRows = r.getAs("slice_rows");
            int srcCols = r.getAs("slice_cols");
            float[] hu = Resize.resize(PixelCodec.decodeHu(r.getAs("hu")), srcCols, srcRows, cols, rowsN);
            for (int i = 0; i < hu.length; i++) {
                hu[i] += 30;
            }
            byte[] label = r.getAs("label");
            byte[] seg = label == null ? lungByThreshold(hu) : Resize.majorityLabels(label, srcCols, srcRows, cols, rowsN);
            String id = String.format(Locale.ROOT, "s%04d", k);
            rows.add(RowFactory.create(id, r.getAs("case_id"), r.getAs("slice_index"), 0, 1000L + k, "run-<b>&co</b>",
                    "00000020", "{\"kind\":\"none\"}", rowsN, cols, r.<Double>getAs("spacing_x") * srcCols / cols,
                    r.<Double>getAs("spacing_y") * srcRows / rowsN, r.getAs("spacing_z"), PixelCodec.encodeHu(hu, 0, hu.length),
                    seg, r.getAs("um"), "test"));
            k++;
        }
        store.publish(Map.of(Tables.SYNTHETIC + "/" + name, spark.createDataFrame(rows, Tables.SYNTHETIC_SCHEMA)), false);
        return rows.size();
    }

    /** An unlabelled source still gets a segmentation to show: lung where -950 < HU < -400. */
    private static byte[] lungByThreshold(float[] hu) {
        byte[] seg = new byte[hu.length];
        for (int i = 0; i < hu.length; i++) {
            seg[i] = (byte) (hu[i] > -950 && hu[i] < -400 ? 1 : 0);
        }
        return seg;
    }

    /** {@code models/<run>/}: a loss log with nulls and NaNs, two sample PNGs, a checkpoint pointer and state. */
    public static void trainingRun(Path data, String run, int rounds) throws IOException {
        Path dir = data.resolve("models").resolve(run);
        Files.createDirectories(dir.resolve("log"));
        StringBuilder log = new StringBuilder();
        for (int i = 1; i <= rounds; i++) {
            double d = 0.7 * Math.exp(-i / 10.0) + 0.3;
            // The unlabelled pass logs no dice/ce (null) and a diverged round logs NaN: both must be skipped.
            String dice = i % 5 == 0 ? "null" : String.format(Locale.ROOT, "%.4f", 0.9 * Math.exp(-i / 8.0));
            String ce = i == 7 ? "NaN" : String.format(Locale.ROOT, "%.4f", 1.1 * Math.exp(-i / 12.0));
            log.append(String.format(Locale.ROOT, "{\"epoch\":%d,\"pass\":\"%s\",\"round\":%d,\"iteration\":%d,\"d\":%.4f,"
                            + "\"g_total\":%.4f,\"gan\":%.4f,\"l1\":%.4f,\"dice\":%s,\"ce\":%s,\"d_monitor\":%.3f,\"lr\":2.0E-4,"
                            + "\"samples\":2,\"seconds\":0.5,\"samples_per_s\":4.0}%n",
                    i / 10, i % 5 == 0 ? "unlabelled" : "labelled", i % 10, i, d, 5 + d, 0.8 + 0.1 * Math.sin(i), 0.3 / i,
                    dice, ce, 0.5));
        }
        Files.writeString(dir.resolve("log/losses.jsonl"), log);
        Files.createDirectories(dir.resolve("samples"));
        for (int i = 0; i < 2; i++) {
            BufferedImage img = new BufferedImage(64, 32, BufferedImage.TYPE_BYTE_GRAY);
            for (int x = 0; x < 64; x++) {
                for (int y = 0; y < 32; y++) {
                    img.getRaster().setSample(x, y, 0, (x * 4 + y * i * 3) & 0xFF);
                }
            }
            try (OutputStream out = Files.newOutputStream(dir.resolve(String.format("samples/epoch_%03d.png", i)))) {
                ImageIO.write(img, "png", out);
            }
        }
        Path checkpoint = dir.resolve("checkpoints/00000020");
        Files.createDirectories(checkpoint);
        Files.writeString(checkpoint.resolve("state.json"), "{\"epoch\":2,\"pass\":\"labelled\",\"round\":0,\"iteration\":20,"
                + "\"seed\":7,\"profile\":{\"name\":\"demo\",\"resolution\":32},\"config\":{\"train.epochs\":\"2\"}}");
        Files.writeString(dir.resolve("checkpoints/latest"), "00000020\n");
        Files.writeString(dir.resolve("run.json"), "{\"run\":\"" + run + "\",\"started\":\"2026-11-27T09:00:00Z\"}");
    }

    /** {@code metrics/<name>/metrics.json} in the metrics job's layout: 2 extractors x 2 resolutions, one set. */
    public static void metrics(Path data, String name, String set) throws IOException {
        Path dir = data.resolve("metrics").resolve(name);
        Files.createDirectories(dir);
        StringBuilder cells = new StringBuilder();
        String[] extractors = {"inception_v3_nsfwjs", "inception_v3"};
        int[] resolutions = {128, 256};
        for (int e = 0; e < 2; e++) {
            for (int r = 0; r < 2; r++) {
                double fid = 10 + 20 * e + 5 * r;
                cells.append(cells.length() == 0 ? "" : ",").append(String.format(Locale.ROOT,
                        "{\"set\":\"%s\",\"extractor\":\"%s\",\"standard_extractor\":%b,\"resolution\":%d,\"dimension\":2048,"
                                + "\"n_real\":40,\"n_synthetic\":12,\"fid\":%.3f,\"fid_ci\":[%.3f,%.3f],\"std\":%.4f,"
                                + "\"std_ci\":[%s,%s],\"real_std\":0.5,\"rank_deficient\":true}",
                        set, extractors[e], e == 1, resolutions[r], fid, fid - 1.5, fid + 2.5, 0.4 + 0.01 * r,
                        r == 0 ? "null" : "0.39", r == 0 ? "null" : "0.43"));
            }
        }
        String json = "{\"name\":\"" + name + "\",\"real\":\"slices\",\"synthetic\":[\"" + set + "\"],"
                + "\"extractors\":[{\"name\":\"inception_v3_nsfwjs\",\"description\":\"offline default <not FID weights>\"},"
                + "{\"name\":\"inception_v3\",\"description\":\"user-supplied Keras InceptionV3\"}],"
                + "\"resolutions\":[128,256],\"cells\":[" + cells + "],"
                + "\"aggregates\":{\"reference_row_l2\":{\"definition\":\"each extractor row L2-normalised\","
                + "\"mm_fid\":{\"" + set + "\":{\"mean\":0.4931,\"std\":0.0823}},\"mm_std\":{\"" + set + "\":{\"mean\":0.7065,\"std\":0.0121}}}}}";
        Files.writeString(dir.resolve("metrics.json"), json);
    }
}
