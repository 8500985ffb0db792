@file:Suppress("unused", "UNUSED_PARAMETER")
package android.view
import android.content.Context
import android.util.AttributeSet
fun interface OnClickListener { fun onClick(v: View) }
open class View(context: Context, attrs: AttributeSet?) { val width: Int = 0; val height: Int = 0; fun invalidate() {}; fun post(r: Runnable): Boolean = true; fun setOnClickListener(l: OnClickListener) {}; protected open fun onDraw(canvas: android.graphics.Canvas) {} }
