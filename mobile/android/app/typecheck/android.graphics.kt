@file:Suppress("unused", "UNUSED_PARAMETER")
package android.graphics
class Canvas { fun drawRect(l: Float, t: Float, r: Float, b: Float, p: Paint) {}; fun drawLine(a: Float, b: Float, c: Float, d: Float, p: Paint) {}; fun drawCircle(x: Float, y: Float, r: Float, p: Paint) {} }
class Paint(flags: Int) { enum class Style { STROKE, FILL }; enum class Cap { ROUND }; var style = Style.FILL; var strokeCap = Cap.ROUND; var color = 0; var strokeWidth = 0f
  companion object { const val ANTI_ALIAS_FLAG = 1 } }
class Rect { @JvmField var left = 0; @JvmField var top = 0; @JvmField var right = 0; @JvmField var bottom = 0 }
