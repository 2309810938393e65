package org.umsynth.tables;

import static org.apache.spark.sql.types.DataTypes.BinaryType;
import static org.apache.spark.sql.types.DataTypes.DoubleType;
import static org.apache.spark.sql.types.DataTypes.IntegerType;
import static org.apache.spark.sql.types.DataTypes.StringType;

import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The tables that are the only contract between stages (SPEC section 2), under a dataset root.
 * Pixel data lives in binary columns: {@code hu}/{@code image} int16 little-endian,
 * {@code label}/{@code um}/{@code seg} uint8, row-major {@code rows x cols}.
 */
public final class Tables {
    public static final String SLICES = "slices";
    public static final String MASKS = "masks";
    /** Folder of synthetic sets: {@code synthetic/<name>} per set. */
    public static final String SYNTHETIC = "synthetic";
    /** A slice's key in every table, as Spark's join columns. */
    public static final scala.collection.Seq<String> SLICE_KEY =
            scala.collection.JavaConverters.asScalaBuffer(java.util.List.of("case_id", "slice_index")).toSeq();

    /** Rejected inputs of all stages; each stage owns the partition {@code stage=<name>}. */
    public static final String QUARANTINE = "quarantine";

    public static final StructType SLICES_SCHEMA = new StructType(new StructField[]{
            field("case_id", StringType, false),
            field("slice_index", IntegerType, false),
            field("rows", IntegerType, false),
            field("cols", IntegerType, false),
            field("spacing_x", DoubleType, false),
            field("spacing_y", DoubleType, false),
            field("spacing_z", DoubleType, false),
            field("hu", BinaryType, false),
            field("label", BinaryType, true),
            field("source", StringType, false),
            field("source_sha256", StringType, false),
            field("split", StringType, false),
    });

    /**
     * {@code masks}: one unsupervised mask per chosen slice ({@code slice_index}), or per 2x2 montage
     * (then {@code slice_index} is the first tile's slice and {@code montage_slices} lists all four).
     * {@code rows x cols} is the mask's working resolution, not the slice's.
     */
    public static final StructType MASKS_SCHEMA = new StructType(new StructField[]{
            field("case_id", StringType, false),
            field("slice_index", IntegerType, false),
            field("rows", IntegerType, false),
            field("cols", IntegerType, false),
            field("um", BinaryType, false),
            field("segments", IntegerType, false),
            field("params", StringType, false),
            field("split", StringType, false),
            field("labelled", org.apache.spark.sql.types.DataTypes.BooleanType, false),
            field("montage_slices", org.apache.spark.sql.types.DataTypes.createArrayType(IntegerType, false), true),
    });

    /**
     * {@code synthetic/<name>}: one annotated synthetic slice per row with its provenance: the UM it
     * came from ({@code case_id}, {@code slice_index}, the {@code um} actually used after perturbation),
     * {@code sample} (k-th sample of that UM), {@code seed}, generator {@code model_id} and
     * {@code checkpoint}, {@code perturbation} (JSON), {@code code_version}. Spacing is the source slice's
     * scaled to the working resolution.
     */
    public static final StructType SYNTHETIC_SCHEMA = new StructType(new StructField[]{
            field("sample_id", StringType, false),
            field("case_id", StringType, false),
            field("slice_index", IntegerType, false),
            field("sample", IntegerType, false),
            field("seed", org.apache.spark.sql.types.DataTypes.LongType, false),
            field("model_id", StringType, false),
            field("checkpoint", StringType, false),
            field("perturbation", StringType, false),
            field("rows", IntegerType, false),
            field("cols", IntegerType, false),
            field("spacing_x", DoubleType, false),
            field("spacing_y", DoubleType, false),
            field("spacing_z", DoubleType, false),
            field("image", BinaryType, false),
            field("seg", BinaryType, false),
            field("um", BinaryType, false),
            field("code_version", StringType, false),
    });

    public static final StructType QUARANTINE_SCHEMA = new StructType(new StructField[]{
            field("source", StringType, false),
            field("reason", StringType, false),
            field("case_id", StringType, true),
            field("slice_index", IntegerType, true),
    });

    private Tables() {
    }

    /** The partition of {@link #QUARANTINE} that a stage writes. */
    public static String quarantineOf(String stage) {
        return QUARANTINE + "/stage=" + stage;
    }

    private static StructField field(String name, org.apache.spark.sql.types.DataType type, boolean nullable) {
        return new StructField(name, type, nullable, org.apache.spark.sql.types.Metadata.empty());
    }
}
