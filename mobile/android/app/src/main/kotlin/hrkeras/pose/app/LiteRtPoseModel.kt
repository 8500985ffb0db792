package hrkeras.pose.app

import android.content.Context
import com.google.ai.edge.litert.Accelerator
import com.google.ai.edge.litert.CompiledModel
import com.google.ai.edge.litert.Environment
import com.google.ai.edge.litert.TensorBuffer
import hrkeras.pose.AcceleratorChoice
import hrkeras.pose.PoseInfo
import hrkeras.pose.PoseModel

/**
 * A pose .tflite on LiteRT's CompiledModel: the GPU accelerator when it takes the whole model, else the
 * CPU ([acceleratorLabel] says which, and why). Owns its buffers; use it from one thread.
 */
class LiteRtPoseModel private constructor(
    override val info: PoseInfo,
    private val env: Environment,
    private val compiled: Runner,
    val acceleratorLabel: String,
) : PoseModel {

    override fun run(input: FloatArray): FloatArray = compiled.run(input)

    override fun close() {
        compiled.close()
        env.close()
    }

    /** A compiled model with its input and output buffers. */
    private class Runner(val model: CompiledModel) : AutoCloseable {
        private val inputs: List<TensorBuffer> = model.createInputBuffers()
        private val outputs: List<TensorBuffer> = model.createOutputBuffers()

        fun run(input: FloatArray): FloatArray {
            inputs[0].writeFloat(input)
            model.run(inputs, outputs)
            return outputs[0].readFloat()
        }

        override fun close() {
            (inputs + outputs).forEach { it.close() }
            model.close()
        }
    }

    companion object {
        /**
         * Reads the metadata (ModelFileException with a clear message for a file the demo cannot use),
         * then compiles the model, GPU first.
         */
        fun open(context: Context, source: ModelSource): LiteRtPoseModel {
            val info = PoseInfo.fromModelFile(source.readBytes(context))
            val env = Environment.create(context) // with a compiler cache: the GPU compiles faster the second time
            try {
                fun compile(accelerator: Accelerator): Runner {
                    val options = CompiledModel.Options(accelerator)
                    val model = when (source) {
                        is ModelSource.Asset -> CompiledModel.create(context.assets, source.path, options, env)
                        is ModelSource.LocalFile -> CompiledModel.create(source.file.absolutePath, options, env)
                    }
                    return try { Runner(model) } catch (e: Exception) { model.close(); throw e }
                }
                val choice = AcceleratorChoice.compile(
                    gpuAvailable = Accelerator.GPU in env.getAvailableAccelerators(),
                    compileGpu = { compile(Accelerator.GPU) },
                    compileCpu = { compile(Accelerator.CPU) },
                    gpuCheck = { runner -> firstRunProblem(runner, info) },
                )
                return LiteRtPoseModel(info, env, choice.model, choice.label)
            } catch (e: Exception) {
                env.close()
                throw e
            }
        }

        /** Some mobile GPU drivers compile a model and then compute garbage: one run on a grey image must give finite heatmaps. */
        private fun firstRunProblem(runner: Runner, info: PoseInfo): String? {
            val grey = FloatArray(info.inputHeight * info.inputWidth * 3) { (128f - info.mean[it % 3]) / info.std[it % 3] }
            val out = runner.run(grey)
            return when {
                out.size != info.heatmapHeight * info.heatmapWidth * info.keypointCount ->
                    "the GPU gave ${out.size} values, the metadata promises ${info.outputShape}"
                out.any { !it.isFinite() } -> "the GPU's first run gave NaN or infinite heatmaps"
                else -> null
            }
        }
    }
}
