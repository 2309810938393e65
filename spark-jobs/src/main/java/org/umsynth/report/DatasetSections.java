package org.umsynth.report;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.countDistinct;
import static org.apache.spark.sql.functions.when;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.umsynth.config.ReportConfig;
import org.umsynth.io.volume.PixelCodec;
import org.umsynth.model.um.UnsupervisedMask;
import org.umsynth.tables.TableStore;
import org.umsynth.tables.Tables;

/** The sections read from the tables: counts, and the image grids of synthetic samples or masks. */
public final class DatasetSections {
    private final SparkSession spark;
    private final TableStore store;
    private final ReportFolder folder;
    private final ReportConfig config;

    public DatasetSections(SparkSession spark, TableStore store, ReportFolder folder, ReportConfig config) {
        this.spark = spark;
        this.store = store;
        this.folder = folder;
        this.config = config;
    }

    /** Names of the complete synthetic sets under ROOT/synthetic, sorted. */
    public List<String> syntheticSets() throws IOException {
        Path dir = store.path(Tables.SYNTHETIC);
        List<String> sets = new ArrayList<>();
        if (store.fileSystem().exists(dir)) {
            for (FileStatus s : store.fileSystem().listStatus(dir)) {
                String name = s.getPath().getName();
                if (s.isDirectory() && !name.startsWith("_") && !name.startsWith(".") && store.exists(Tables.SYNTHETIC + "/" + name)) {
                    sets.add(name);
                }
            }
        }
        sets.sort(null);
        return sets;
    }

    /** The distinct UM parameter strings of the masks table; empty without one. */
    public List<String> maskParams() throws IOException {
        if (!store.exists(Tables.MASKS)) {
            return List.of();
        }
        return store.read(Tables.MASKS).select("params").distinct().orderBy("params").as(
                org.apache.spark.sql.Encoders.STRING()).collectAsList();
    }

    public void counts(Html html) throws IOException {
        html.section("tables", "Table counts");
        html.heading("Slices (ingested)");
        if (store.exists(Tables.SLICES)) {
            Dataset<Row> slices = store.read(Tables.SLICES);
            List<List<?>> rows = new ArrayList<>();
            for (Row r : slices.groupBy("split")
                    .agg(countDistinct("case_id"), count("*"),
                            countDistinct(when(col("label").isNotNull(), col("case_id"))))
                    .orderBy("split").collectAsList()) {
                rows.add(List.of(r.getString(0), r.getLong(1), r.getLong(2), r.getLong(3)));
            }
            Row total = slices.agg(countDistinct("case_id"), count("*"),
                    countDistinct(when(col("label").isNotNull(), col("case_id")))).first();
            rows.add(List.of("all", total.getLong(0), total.getLong(1), total.getLong(2)));
            html.table(List.of("split", "cases", "slices", "labelled cases"), rows);
        } else {
            html.note("No slices table under the dataset root: run ingest.");
        }

        html.heading("Quarantine (rejected inputs)");
        Path quarantine = store.path(Tables.QUARANTINE);
        if (store.fileSystem().exists(quarantine)
                && store.fileSystem().globStatus(new Path(quarantine, "stage=*/_SUCCESS")).length > 0) {
            Dataset<Row> q = spark.read().parquet(quarantine.toString());
            List<List<?>> rows = new ArrayList<>();
            for (Row r : q.groupBy("stage", "reason").count().orderBy(col("stage"), col("count").desc(), col("reason"))
                    .collectAsList()) {
                rows.add(List.of(String.valueOf(r.get(0)), r.getString(1), r.getLong(2)));
            }
            if (rows.isEmpty()) {
                html.paragraph("Nothing was quarantined.");
            } else {
                html.table(List.of("stage", "reason", "rows"), rows);
            }
        } else {
            html.note("No quarantine table: no stage has recorded rejections.");
        }

        html.heading("Masks (unsupervised masks)");
        if (store.exists(Tables.MASKS)) {
            Dataset<Row> masks = store.read(Tables.MASKS);
            List<List<?>> rows = new ArrayList<>();
            for (Row r : masks.groupBy("params").agg(count("*"), countDistinct("case_id")).orderBy("params").collectAsList()) {
                rows.add(List.of(r.getString(0), r.getLong(1), r.getLong(2)));
            }
            html.paragraph(masks.count() + " masks in total.");
            html.table(List.of("params", "masks", "cases"), rows);
        } else {
            html.note("No masks table: run masks.");
        }

        html.heading("Synthetic sets");
        List<String> sets = syntheticSets();
        if (sets.isEmpty()) {
            html.note("No synthetic set under ROOT/synthetic: run synthesize.");
        } else {
            List<List<?>> rows = new ArrayList<>();
            for (String set : sets) {
                Dataset<Row> s = store.read(Tables.SYNTHETIC + "/" + set);
                for (Row r : s.groupBy("model_id").agg(count("*"), countDistinct("case_id", "slice_index"))
                        .orderBy("model_id").collectAsList()) {
                    rows.add(List.of(set, r.getString(0), r.getLong(1), r.getLong(2)));
                }
            }
            html.table(List.of("set", "model_id", "samples", "source UMs"), rows);
        }
    }

    /** Image grids of a few samples of every synthetic set; without any, masks pictures. */
    public void imageGrids(Html html) throws IOException {
        html.section("images", "Image grids");
        List<String> sets = syntheticSets();
        if (sets.isEmpty()) {
            html.note("No synthetic set: showing unsupervised masks instead (windowed HU | UM | edges).");
            maskPictures(html);
            return;
        }
        html.raw(legend());
        html.paragraph("Columns: the UM the generator was given | the synthetic image (HU window [-1500, 100]) | the synthetic "
                + "segmentation over it | the nearest real slice, which here means the UM's own source slice from the slices "
                + "table (same case_id and slice_index), resized to the same size.");
        for (String set : sets) {
            html.heading("Synthetic set " + set);
            if (config.samples == 0) {
                html.note("report.samples = 0: no samples shown.");
                continue;
            }
            Dataset<Row> samples = store.read(Tables.SYNTHETIC + "/" + set).orderBy("sample_id").limit(config.samples)
                    .select("sample_id", "case_id", "slice_index", "seed", "model_id", "perturbation", "rows", "cols",
                            "image", "seg", "um");
            Map<String, Row> sources = sources(samples);
            int size = config.pictureSize;
            for (Row r : samples.collectAsList()) {
                int rows = r.getAs("rows");
                int cols = r.getAs("cols");
                BufferedImage image = SlicePictures.hu(PixelCodec.decodeHu(r.getAs("image")), rows, cols, size);
                BufferedImage um = SlicePictures.bytes(r.getAs("um"), rows, cols, 1, size);
                BufferedImage overlay = SlicePictures.overlay(image, r.getAs("seg"), rows, cols);
                Row source = sources.get(key(r.getAs("case_id"), r.<Integer>getAs("slice_index")));
                BufferedImage real = source == null ? blank(size)
                        : SlicePictures.hu(PixelCodec.decodeHu(source.getAs("hu")), source.getAs("rows"), source.getAs("cols"), size);
                String name = folder.png("synthetic_" + set + "_" + r.getAs("sample_id") + ".png", SlicePictures.row(
                        new String[]{"UM", "synthetic image", "synthetic segmentation", source == null ? "source slice: not found" : "source slice (real)"},
                        um, image, overlay, real));
                String caption = "sample " + r.getAs("sample_id") + " | case " + r.getAs("case_id") + " slice "
                        + r.getAs("slice_index") + " | seed " + r.getAs("seed") + " | model " + r.getAs("model_id")
                        + " | perturbation " + r.getAs("perturbation");
                html.figure(name, "Synthetic sample " + r.getAs("sample_id") + ": UM, synthetic image, segmentation overlay, source slice",
                        caption, 0, false);
            }
        }
    }

    private void maskPictures(Html html) throws IOException {
        if (!store.exists(Tables.MASKS) || !store.exists(Tables.SLICES)) {
            html.note("No masks table (or no slices table): nothing to show.");
            return;
        }
        Dataset<Row> masks = store.read(Tables.MASKS).orderBy("case_id", "slice_index").limit(config.maskPictures)
                .select("case_id", "slice_index", "rows", "cols", "um");
        Map<String, Row> sources = sources(masks);
        int size = config.pictureSize;
        for (Row r : masks.collectAsList()) {
            int rows = r.getAs("rows");
            int cols = r.getAs("cols");
            byte[] um = r.getAs("um");
            Row source = sources.get(key(r.getAs("case_id"), r.<Integer>getAs("slice_index")));
            BufferedImage hu = source == null ? blank(size)
                    : SlicePictures.hu(PixelCodec.decodeHu(source.getAs("hu")), source.getAs("rows"), source.getAs("cols"), size);
            String name = folder.png("mask_" + r.getAs("case_id") + "_z" + r.getAs("slice_index") + ".png", SlicePictures.row(
                    new String[]{"HU (windowed)", "UM", "edges"}, hu, SlicePictures.bytes(um, rows, cols, 1, size),
                    SlicePictures.bytes(UnsupervisedMask.edges(um, cols, rows), rows, cols, 255, size)));
            html.figure(name, "Mask of case " + r.getAs("case_id") + " slice " + r.getAs("slice_index") + ": HU, UM, edges",
                    "case " + r.getAs("case_id") + " slice " + r.getAs("slice_index"), 0, false);
        }
    }

    /** The source slices (HU) of a few rows keyed by case_id and slice_index; empty without a slices table. */
    private Map<String, Row> sources(Dataset<Row> keyed) throws IOException {
        Map<String, Row> out = new HashMap<>();
        if (!store.exists(Tables.SLICES)) {
            return out;
        }
        Dataset<Row> keys = keyed.select("case_id", "slice_index").distinct();
        for (Row r : store.read(Tables.SLICES).select("case_id", "slice_index", "rows", "cols", "hu")
                .join(org.apache.spark.sql.functions.broadcast(keys), Tables.SLICE_KEY).collectAsList()) {
            out.put(key(r.getAs("case_id"), r.<Integer>getAs("slice_index")), r);
        }
        return out;
    }

    private static String key(String caseId, int slice) {
        return caseId + "\u0000" + slice;
    }

    private static BufferedImage blank(int size) {
        return org.umsynth.io.png.GreyPng.windowed(new float[size * size], size, size, 0, 255);
    }

    /** The overlay colours, as swatches. */
    static String legend() {
        StringBuilder sb = new StringBuilder("<p class=\"legend\">Segmentation overlay: ");
        for (int c = 1; c <= 2; c++) {
            java.awt.Color col = SlicePictures.CLASS_COLOURS[c];
            sb.append(String.format("<span><span class=\"swatch\" style=\"background:#%02x%02x%02x\"></span>%s (class %d)</span>",
                    col.getRed(), col.getGreen(), col.getBlue(), Html.escape(SlicePictures.CLASS_NAMES[c]), c));
        }
        return sb.append("</p>").toString();
    }
}
