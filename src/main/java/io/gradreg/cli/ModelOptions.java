package io.gradreg.cli;

import io.gradreg.GradregException;
import io.gradreg.data.DataSources;
import io.gradreg.data.Dataset;
import io.gradreg.engine.DType;
import io.gradreg.nn.Activation;
import io.gradreg.nn.Models;
import io.gradreg.nn.Net;
import picocli.CommandLine.Option;

/** The flags that define a model, shared by {@code train} and {@code eval} so both build the same network. */
final class ModelOptions {
    @Option(names = "--model", description = "mlp:784-512-512-10 | lenet5 | lenet5:002 (seed 002's layout) | cnn | resnet | wrn:DEPTH-WIDTH | dln:D[:ALPHA] | twoparam[:A:B]")
    String model;
    @Option(names = "--activation", defaultValue = "relu", description = "relu | tanh | gelu | softplus (default: ${DEFAULT-VALUE})")
    String activation;
    @Option(names = "--dropout", defaultValue = "0", description = "dropout probability (default: ${DEFAULT-VALUE})")
    double dropout;
    @Option(names = "--batchnorm", description = "add batch normalization")
    boolean batchNorm;
    @Option(names = "--dtype", defaultValue = "float32", description = "float32 | float64 (default: ${DEFAULT-VALUE})")
    String dtype;

    DType dtype() {
        return DType.parse(dtype);
    }

    Activation activation() {
        return Activation.parse(activation);
    }

    /** The output count an mlp spec states (its last width), or 0 when the model takes it from the data. */
    private int declaredClasses() {
        String[] widths = model.trim().split(":", 2);
        if (!widths[0].equalsIgnoreCase("mlp") || widths.length < 2) {
            return 0;
        }
        String last = widths[1].substring(widths[1].lastIndexOf('-') + 1);
        try {
            return Integer.parseInt(last.strip());
        } catch (NumberFormatException e) {
            return 0; // Models reports the bad spec
        }
    }

    /** Checks the flags that need no data, so bad input fails before anything is loaded. */
    void validate() {
        if (model == null) {
            throw new GradregException("missing --model");
        }
        dtype();
        activation();
    }

    /** The model for samples shaped like {@code data}'s, in the chosen dtype. */
    Net build(Dataset data) {
        validate();
        int k = declaredClasses();
        if (k > 0) {
            DataSources.requireLabelsBelow(data, k, "label", "model '" + model + "' (" + k + " outputs)");
        }
        return Models.build(model, new Models.Options(activation(), dropout, batchNorm, data.sampleShape(), data.outputs())).to(dtype());
    }
}
