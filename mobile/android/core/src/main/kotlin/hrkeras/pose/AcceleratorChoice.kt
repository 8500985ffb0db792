package hrkeras.pose

/** A compiled model and the accelerator that really runs it: [label] is what the screen shows. */
class Compiled<T : AutoCloseable>(val model: T, val onGpu: Boolean, val label: String)

/**
 * Compiles on the GPU alone (so success means every op runs there, and a GPU compile that silently
 * falls back to the CPU cannot happen), and on the CPU when the GPU is not available, refuses the
 * model, or fails [gpuCheck] (e.g. a first run giving NaN). The label says which and why.
 */
object AcceleratorChoice {
    fun <T : AutoCloseable> compile(
        gpuAvailable: Boolean,
        compileGpu: () -> T,
        compileCpu: () -> T,
        gpuCheck: (T) -> String? = { null },
    ): Compiled<T> {
        val reason = if (!gpuAvailable) {
            "no GPU accelerator on this device or in this build"
        } else {
            try {
                val model = compileGpu()
                val problem = try { gpuCheck(model) } catch (e: Exception) { "a first run failed: ${e.message ?: e}" }
                if (problem == null) return Compiled(model, true, "GPU (every op)")
                model.close()
                problem
            } catch (e: Exception) {
                "GPU refused the model: ${e.message ?: e}"
            }
        }
        return Compiled(compileCpu(), false, "CPU ($reason)")
    }
}
