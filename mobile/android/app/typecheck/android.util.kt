@file:Suppress("unused", "UNUSED_PARAMETER")
package android.util
class Size(w: Int, h: Int)
interface AttributeSet
