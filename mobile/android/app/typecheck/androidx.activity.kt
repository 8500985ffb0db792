@file:Suppress("unused", "UNUSED_PARAMETER")
package androidx.activity
import androidx.activity.result.ActivityResultLauncher
import androidx.activity.result.contract.ActivityResultContract
abstract class ComponentActivity : android.content.Context(), androidx.lifecycle.LifecycleOwner {
  protected open fun onCreate(savedInstanceState: android.os.Bundle?) {}
  protected open fun onDestroy() {}
  fun setContentView(id: Int) {}
  fun <T : android.view.View> findViewById(id: Int): T = TODO()
  fun runOnUiThread(r: Runnable) {}
  fun <I, O> registerForActivityResult(c: ActivityResultContract<I, O>, callback: (O) -> Unit): ActivityResultLauncher<I> = TODO()
}
