@file:Suppress("unused", "UNUSED_PARAMETER")
package android.widget
import android.content.Context
open class TextView(c: Context) : android.view.View(c, null) { var text: CharSequence = ""; fun setText(id: Int) {} }
class Button(c: Context) : TextView(c)
