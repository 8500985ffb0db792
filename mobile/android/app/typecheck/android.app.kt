@file:Suppress("unused", "UNUSED_PARAMETER")
package android.app
import android.content.Context
class AlertDialog { class Builder(c: Context) { fun setTitle(id: Int) = this; fun setItems(items: Array<CharSequence>, l: (Any?, Int) -> Unit) = this; fun show(): AlertDialog = AlertDialog() } }
