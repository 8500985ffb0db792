@file:Suppress("unused", "UNUSED_PARAMETER")
package androidx.camera.core
import java.util.concurrent.Executor
class CameraSelector { companion object { val DEFAULT_FRONT_CAMERA = CameraSelector(); val DEFAULT_BACK_CAMERA = CameraSelector() } }
interface ImageInfo { val rotationDegrees: Int; val timestamp: Long }
interface ImageProxy : AutoCloseable { val width: Int; val height: Int; val planes: Array<PlaneProxy>; val cropRect: android.graphics.Rect; val imageInfo: ImageInfo
  interface PlaneProxy { val buffer: java.nio.ByteBuffer; val rowStride: Int; val pixelStride: Int } }
typealias PlaneProxy = ImageProxy.PlaneProxy
abstract class UseCase
class ImageAnalysis : UseCase() { fun interface Analyzer { fun analyze(image: ImageProxy) }
  fun setAnalyzer(e: Executor, a: Analyzer) {}
  class Builder { fun setOutputImageFormat(f: Int) = this; fun setBackpressureStrategy(s: Int) = this; fun setResolutionSelector(r: androidx.camera.core.resolutionselector.ResolutionSelector) = this; fun build() = ImageAnalysis() }
  companion object { const val OUTPUT_IMAGE_FORMAT_RGBA_8888 = 2; const val STRATEGY_KEEP_ONLY_LATEST = 0 } }
class Preview : UseCase() { fun interface SurfaceProvider { fun f() }; fun setSurfaceProvider(p: SurfaceProvider?) {}; class Builder { fun build() = Preview() } }
class ViewPort
class UseCaseGroup { class Builder { fun setViewPort(v: ViewPort) = this; fun addUseCase(u: UseCase) = this; fun build() = UseCaseGroup() } }
