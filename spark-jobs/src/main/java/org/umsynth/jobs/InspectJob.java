package org.umsynth.jobs;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.countDistinct;
import static org.apache.spark.sql.functions.length;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.avg;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.BinaryType;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructField;
import org.umsynth.config.ConfigSource;
import org.umsynth.io.fs.HadoopPaths;
import org.umsynth.spark.Sessions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code inspect ROOT/TABLE}: a table's schema, row count and a per-column summary (ranges,
 * distinct counts, binary sizes), plus what matters for the known tables (cases per split,
 * labelled slices, quarantine reasons).
 */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = "Print a table's schema, row count and a summary.")
public final class InspectJob implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "ROOT/TABLE", description = "a table folder on any Hadoop file system")
    String table;

    @Option(names = "--json", description = "print one JSON document instead of text")
    boolean json;

    @Option(names = "--master", paramLabel = "URL", description = "Spark master (default: local[*])")
    String master;

    @Override
    public Integer call() throws Exception {
        SparkSession spark = Sessions.create("umsynth inspect", master, ConfigSource.empty());
        try {
            Map<String, Object> report = inspect(spark, table);
            if (json) {
                System.out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(report));
            } else {
                printText(report);
            }
            return 0;
        } finally {
            spark.stop();
        }
    }

    public static Map<String, Object> inspect(SparkSession spark, String location) throws IOException {
        Path path = HadoopPaths.qualify(location, spark.sparkContext().hadoopConfiguration());
        FileSystem fs = path.getFileSystem(spark.sparkContext().hadoopConfiguration());
        if (!fs.exists(path)) {
            throw new IllegalArgumentException(location + " does not exist");
        }
        Dataset<Row> df = spark.read().parquet(path.toString());
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("table", path.toString());
        report.put("complete", fs.exists(new Path(path, "_SUCCESS")) || isPartitionedComplete(fs, path));
        List<Map<String, Object>> columns = new ArrayList<>();
        List<Column> aggregates = new ArrayList<>();
        aggregates.add(count(org.apache.spark.sql.functions.lit(1)).alias("__rows"));
        for (StructField f : df.schema().fields()) {
            String n = f.name();
            if (f.dataType() instanceof NumericType) {
                aggregates.add(min(col(n)).alias(n + "__min"));
                aggregates.add(max(col(n)).alias(n + "__max"));
            } else if (f.dataType() instanceof StringType) {
                aggregates.add(countDistinct(col(n)).alias(n + "__distinct"));
            } else if (f.dataType() instanceof BinaryType) {
                aggregates.add(avg(length(col(n))).alias(n + "__meanBytes"));
            }
            aggregates.add(count(col(n)).alias(n + "__nonNull"));
        }
        Row agg = df.agg(aggregates.get(0), aggregates.subList(1, aggregates.size()).toArray(Column[]::new)).first();
        long rows = agg.getLong(agg.fieldIndex("__rows"));
        report.put("rows", rows);
        for (StructField f : df.schema().fields()) {
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("name", f.name());
            c.put("type", f.dataType().simpleString());
            c.put("nullable", f.nullable());
            c.put("nulls", rows - agg.getLong(agg.fieldIndex(f.name() + "__nonNull")));
            for (String stat : List.of("min", "max", "distinct", "meanBytes")) {
                String key = f.name() + "__" + stat;
                if (List.of(agg.schema().fieldNames()).contains(key)) {
                    Object v = agg.get(agg.fieldIndex(key));
                    c.put(stat, v instanceof Number num ? num : v == null ? null : v.toString());
                }
            }
            columns.add(c);
        }
        report.put("columns", columns);
        List<String> names = List.of(df.columns());
        if (names.contains("case_id") && names.contains("split")) {
            Map<String, Object> splits = new LinkedHashMap<>();
            for (Row r : df.groupBy("split").agg(countDistinct("case_id").alias("cases"), count("*").alias("slices"))
                    .orderBy("split").collectAsList()) {
                splits.put(r.getString(0), Map.of("cases", r.getLong(1), "slices", r.getLong(2)));
            }
            report.put("splits", splits);
        }
        if (names.contains("label") && names.contains("case_id")) {
            report.put("labelledCases", df.filter(col("label").isNotNull()).select("case_id").distinct().count());
        }
        if (names.contains("reason")) {
            List<Map<String, Object>> reasons = new ArrayList<>();
            Column[] keys = names.contains("stage") ? new Column[]{col("stage"), col("reason")} : new Column[]{col("reason")};
            for (Row r : df.groupBy(keys).count().orderBy(col("count").desc()).limit(50).collectAsList()) {
                Map<String, Object> m = new LinkedHashMap<>();
                for (int i = 0; i < r.size(); i++) {
                    m.put(r.schema().fieldNames()[i], r.get(i));
                }
                reasons.add(m);
            }
            report.put("reasons", reasons);
        }
        report.put("schema", df.schema().treeString());
        return report;
    }

    private static boolean isPartitionedComplete(FileSystem fs, Path path) throws IOException {
        for (var status : fs.listStatus(path)) {
            if (status.isDirectory() && status.getPath().getName().contains("=")
                    && !fs.exists(new Path(status.getPath(), "_SUCCESS"))) {
                return false;
            }
        }
        return true;
    }

    @SuppressWarnings("unchecked")
    private static void printText(Map<String, Object> report) {
        System.out.println("table:    " + report.get("table") + (Boolean.TRUE.equals(report.get("complete")) ? "" : "  (INCOMPLETE: no _SUCCESS)"));
        System.out.println("rows:     " + report.get("rows"));
        System.out.println("schema:");
        System.out.print(((String) report.get("schema")).replaceAll("(?m)^", "  "));
        System.out.println("columns:");
        for (Map<String, Object> c : (List<Map<String, Object>>) report.get("columns")) {
            StringBuilder line = new StringBuilder(String.format("  %-16s %-8s nulls=%s", c.get("name"), c.get("type"), c.get("nulls")));
            for (String stat : List.of("min", "max", "distinct", "meanBytes")) {
                if (c.containsKey(stat)) {
                    line.append(' ').append(stat).append('=').append(c.get(stat));
                }
            }
            System.out.println(line);
        }
        if (report.containsKey("splits")) {
            System.out.println("splits:   " + report.get("splits"));
        }
        if (report.containsKey("labelledCases")) {
            System.out.println("labelled cases: " + report.get("labelledCases"));
        }
        if (report.containsKey("reasons")) {
            System.out.println("reasons:");
            for (Map<String, Object> r : (List<Map<String, Object>>) report.get("reasons")) {
                System.out.println("  " + r);
            }
        }
    }
}
