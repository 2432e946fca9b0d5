package io.gradreg.repro;

import io.gradreg.GradregException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The registry of {@code gradreg reproduce} experiments, in the order of the issue. */
public final class Experiments {
    private Experiments() {}

    /** Every experiment by name. */
    public static Map<String, Experiment> all() {
        Map<String, Experiment> m = new LinkedHashMap<>();
        for (Experiment e : List.<Experiment>of(new SmallMnist(), new Smoothness(), new GrCompute(), new GrCost(), new Dln(), new IgrTwoParam(),
                new IgrMnist(), new IgrMnistSgd(), new FloodingVsGr(), new SemiSupervised(), new EveryK(), new SamFamily(), new CifarGr())) {
            m.put(e.name(), e);
        }
        return m;
    }

    /** The experiment called {@code name}, or a one-line error listing the names. */
    public static Experiment get(String name) {
        Experiment e = all().get(name);
        if (e == null) {
            throw new GradregException("unknown experiment '" + name + "': expected one of " + String.join(", ", all().keySet()));
        }
        return e;
    }
}
