@file:Suppress("unused", "UNUSED_PARAMETER")
package androidx.camera.lifecycle
import com.google.common.util.concurrent.ListenableFuture
class ProcessCameraProvider { fun unbindAll() {}; fun bindToLifecycle(o: androidx.lifecycle.LifecycleOwner, s: androidx.camera.core.CameraSelector, g: androidx.camera.core.UseCaseGroup): Any = Any()
  companion object { fun getInstance(c: android.content.Context): ListenableFuture<ProcessCameraProvider> = TODO() } }
