package hrkeras.pose

import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertTrue
import org.junit.Test

/** The screen says which accelerator really runs: GPU only when a GPU-only compile (and check) succeeded. */
class AcceleratorChoiceTest {
    private class Fake(val name: String) : AutoCloseable {
        var closed = false
        override fun close() { closed = true }
    }

    @Test fun gpuWhenTheGpuTakesTheWholeModel() {
        val c = AcceleratorChoice.compile(true, { Fake("gpu") }, { Fake("cpu") })
        assertEquals("gpu", c.model.name)
        assertTrue(c.onGpu)
        assertEquals("GPU (every op)", c.label)
    }

    @Test fun cpuWithTheReasonOtherwise() {
        val none = AcceleratorChoice.compile(false, { error("must not be tried") }, { Fake("cpu") })
        assertEquals("cpu", none.model.name)
        assertEquals("CPU (no GPU accelerator on this device or in this build)", none.label)
        val refused = AcceleratorChoice.compile(true, { throw IllegalStateException("Some ops are not accelerated") }, { Fake("cpu") })
        assertFalse(refused.onGpu)
        assertEquals("CPU (GPU refused the model: Some ops are not accelerated)", refused.label)
    }

    @Test fun aGpuModelFailingItsCheckIsClosedAndReplaced() {
        val gpu = Fake("gpu")
        val c = AcceleratorChoice.compile(true, { gpu }, { Fake("cpu") }, gpuCheck = { "NaN in the first run's heatmaps" })
        assertTrue(gpu.closed)
        assertEquals("cpu", c.model.name)
        assertEquals("CPU (NaN in the first run's heatmaps)", c.label)
    }
}
