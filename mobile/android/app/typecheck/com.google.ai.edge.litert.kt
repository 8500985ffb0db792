@file:Suppress("unused", "UNUSED_PARAMETER")
package com.google.ai.edge.litert
enum class Accelerator { NONE, CPU, GPU, NPU }
class TensorBuffer : AutoCloseable { fun writeFloat(d: FloatArray) {}; fun readFloat(): FloatArray = TODO(); override fun close() {} }
class Environment : AutoCloseable { fun getAvailableAccelerators(): Set<Accelerator> = TODO(); override fun close() {}
  companion object { fun create(context: android.content.Context, options: Map<Any, String> = mapOf(), enableCompilerCache: Boolean = true): Environment = TODO() } }
class CompiledModel : AutoCloseable { class Options(vararg a: Accelerator)
  fun createInputBuffers(signatureIndex: Int = 0): List<TensorBuffer> = TODO(); fun createOutputBuffers(signatureIndex: Int = 0): List<TensorBuffer> = TODO()
  fun run(inputs: List<TensorBuffer>, outputs: List<TensorBuffer>, signatureIndex: Int = 0) {}; override fun close() {}
  companion object { fun create(a: android.content.res.AssetManager, name: String, o: Options = Options(Accelerator.CPU), env: Environment? = null): CompiledModel = TODO()
    fun create(path: String, o: Options = Options(Accelerator.CPU), env: Environment? = null): CompiledModel = TODO() } }
