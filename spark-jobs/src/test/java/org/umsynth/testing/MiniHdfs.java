package org.umsynth.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hdfs.MiniDFSCluster;

/** A real in-process HDFS (NameNode + DataNode), shared by the tests of one JVM. */
public final class MiniHdfs {
    private static MiniDFSCluster cluster;

    private MiniHdfs() {
    }

    public static synchronized MiniDFSCluster cluster() throws IOException {
        if (cluster == null) {
            Path base = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "minidfs");
            Configuration conf = new Configuration();
            conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, base.toAbsolutePath().toString());
            conf.setBoolean("dfs.permissions.enabled", false);
            cluster = new MiniDFSCluster.Builder(conf)
                    .numDataNodes(1).format(true).build();
            cluster.waitActive();
            Runtime.getRuntime().addShutdownHook(new Thread(cluster::shutdown));
        }
        return cluster;
    }

    /** {@code hdfs://127.0.0.1:PORT} */
    public static String uri() throws IOException {
        return "hdfs://127.0.0.1:" + cluster().getNameNodePort();
    }

    public static FileSystem fileSystem() throws IOException {
        return cluster().getFileSystem();
    }
}
