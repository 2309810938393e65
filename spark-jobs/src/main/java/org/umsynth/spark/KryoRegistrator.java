package org.umsynth.spark;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.serializers.JavaSerializer;
import org.nd4j.kryo.Nd4jRegistrator;

/**
 * ND4J's Kryo registrations plus Java records: Kryo 4's field serializer cannot build records
 * (final fields set only by the canonical constructor), so every record (ingest units, slices,
 * outcomes) goes through Java serialization, which honours them.
 */
public class KryoRegistrator extends Nd4jRegistrator {
    @Override
    public void registerClasses(Kryo kryo) {
        super.registerClasses(kryo);
        kryo.addDefaultSerializer(Record.class, JavaSerializer.class);
    }
}
