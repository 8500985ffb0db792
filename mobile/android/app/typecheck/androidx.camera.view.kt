@file:Suppress("unused", "UNUSED_PARAMETER")
package androidx.camera.view
class PreviewView(c: android.content.Context) : android.view.View(c, null) { enum class ImplementationMode { PERFORMANCE, COMPATIBLE }; enum class ScaleType { FIT_CENTER, FILL_CENTER }
  var implementationMode = ImplementationMode.PERFORMANCE; var scaleType = ScaleType.FILL_CENTER; val viewPort: androidx.camera.core.ViewPort? = null; val surfaceProvider: androidx.camera.core.Preview.SurfaceProvider = TODO() }
