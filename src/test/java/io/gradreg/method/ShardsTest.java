package io.gradreg.method;

import static org.junit.jupiter.api.Assertions.*;

import io.gradreg.Fixtures;
import io.gradreg.data.Dataset;
import io.gradreg.data.Synthetic;
import io.gradreg.engine.DType;
import io.gradreg.nn.Activation;
import io.gradreg.nn.Net;
import io.gradreg.train.TrainConfig;
import io.gradreg.train.Trainer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A batch split into shards gives the unsplit batch's update, for every deterministic method (float64). */
class ShardsTest {
    final Dataset batch = Synthetic.blobs(13, 5, 3, 1.0, 4, DType.FLOAT64);

    static Map<String, Method> methods(double loss) {
        Map<String, Method> m = new LinkedHashMap<>();
        m.put("plain", new Plain());
        for (SecondOrder so : SecondOrder.values()) {
            m.put("gr " + so, new GradientRegularization(0.2, 0.03, so, false));
        }
        m.put("gr forward normalized", new GradientRegularization(0.2, 0.03, SecondOrder.FORWARD, true));
        m.put("sam", new Sam(0.1));
        m.put("asam", new Asam(0.5, 0.01));
        m.put("flood above", new Flooding(loss + 0.5));
        m.put("flood below", new Flooding(loss - 0.5));
        m.put("doubleback exact", new InputPenalty(InputPenalty.Kind.DOUBLEBACK, 0.3, SecondOrder.EXACT, 0.01, 0));
        m.put("doubleback forward", new InputPenalty(InputPenalty.Kind.DOUBLEBACK, 0.3, SecondOrder.FORWARD, 0.01, 0));
        m.put("frobreg exact", new InputPenalty(InputPenalty.Kind.FROBREG, 0.3, SecondOrder.EXACT, 0.01, 0));
        m.put("jacreg central", new InputPenalty(InputPenalty.Kind.JACREG, 0.3, SecondOrder.CENTRAL, 0.01, 0));
        m.put("confpen", new ConfidencePenalty(0.2));
        return m;
    }

    List<Oracle> shards(Net net, int... sizes) {
        List<Oracle> out = new ArrayList<>();
        long from = 0;
        for (int s : sizes) {
            Dataset part = batch.slice(from, from + s);
            out.add(new Oracle(net, Loss.CROSS_ENTROPY, part.x(), part.y(), 0));
            from += s;
        }
        assertEquals(batch.size(), from);
        return out;
    }

    @Test
    void everyMethodGivesTheUnsplitDirectionOverUnevenShards() {
        Net net = Fixtures.mlp(3, Activation.TANH, 5, 7, 3);
        double loss = Fixtures.eval(net, Loss.CROSS_ENTROPY, batch).loss();
        for (var e : methods(loss).entrySet()) {
            Update whole = e.getValue().direction(new Oracle(net, Loss.CROSS_ENTROPY, batch.x(), batch.y(), 0));
            double[] d = whole.direction().toDoubles();
            for (int[] sizes : new int[][] {{13}, {6, 7}, {4, 1, 8}, {3, 3, 3, 4}}) {
                Update split = Shards.direction(e.getValue(), net, shards(net, sizes), batch.size(), Reducer.LOCAL);
                double[] s = split.direction().toDoubles();
                double scale = 0;
                for (double v : d) {
                    scale = Math.max(scale, Math.abs(v));
                }
                for (int i = 0; i < d.length; i++) {
                    assertEquals(d[i], s[i], 1e-10 * Math.max(1, scale), e.getKey() + " " + java.util.Arrays.toString(sizes) + " at " + i);
                }
                assertEquals(whole.loss(), split.loss(), 1e-12, e.getKey());
                if (!Double.isNaN(whole.penalty())) {
                    assertEquals(whole.penalty(), split.penalty(), 1e-10 * Math.max(1, Math.abs(whole.penalty())), e.getKey());
                }
            }
        }
    }

    @Test
    void trainingWithAccumulationEndsAtTheSameWeights() {
        for (Method m : new Method[] {new GradientRegularization(0.1, 0, SecondOrder.EXACT, false), new Sam(0.05),
                new InputPenalty(InputPenalty.Kind.DOUBLEBACK, 0.1, SecondOrder.FORWARD, 0.01, 0)}) {
            Dataset data = Synthetic.blobs(40, 5, 3, 1.0, 2, DType.FLOAT64);
            Net a = Fixtures.mlp(5, Activation.TANH, 5, 7, 3);
            Net b = Fixtures.mlp(5, Activation.TANH, 5, 7, 3);
            TrainConfig cfg = TrainConfig.of(m, 0.1, 2, 16, 1);
            new Trainer(a, Loss.CROSS_ENTROPY, cfg).fit(data, null, Trainer.Listener.NONE);
            new Trainer(b, Loss.CROSS_ENTROPY, cfg.withAccumulate(3)).fit(data, null, Trainer.Listener.NONE);
            assertArrayEquals(a.params().toDoubles(), b.params().toDoubles(), 1e-10, m.describe());
        }
    }
}
