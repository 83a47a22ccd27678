package org.deepguard.spark;

import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/** Column names of the job's input and output tables (the output matches 'detect --json' plus the truth). */
final class ScoreSchema {
    static final String PATH = "path";
    /** Predicted verdict: real, fake or uncertain; null on error. */
    static final String LABEL = "label";
    static final String P_FAKE = "p_fake";
    static final String THRESHOLD = "threshold";
    static final String MODEL_ID = "model_id";
    /** ImageProblem code, null when the image was scored. */
    static final String ERROR = "error";
    static final String MESSAGE = "message";
    /** Ground truth from the input (real or fake), null when the input has none. */
    static final String TRUE_LABEL = "true_label";

    /** What the scorer reads: one row per image. */
    static final StructType INPUT = new StructType()
            .add(PATH, DataTypes.StringType, false)
            .add(TRUE_LABEL, DataTypes.StringType, true);

    static final StructType OUTPUT = new StructType()
            .add(PATH, DataTypes.StringType, false)
            .add(LABEL, DataTypes.StringType, true)
            .add(P_FAKE, DataTypes.DoubleType, true)
            .add(THRESHOLD, DataTypes.DoubleType, false)
            .add(MODEL_ID, DataTypes.StringType, true)
            .add(ERROR, DataTypes.StringType, true)
            .add(MESSAGE, DataTypes.StringType, true)
            .add(TRUE_LABEL, DataTypes.StringType, true);

    private ScoreSchema() {}
}
