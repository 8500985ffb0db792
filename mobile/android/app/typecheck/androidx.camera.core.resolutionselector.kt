@file:Suppress("unused", "UNUSED_PARAMETER")
package androidx.camera.core.resolutionselector
class ResolutionSelector { class Builder { fun setResolutionStrategy(s: ResolutionStrategy) = this; fun build() = ResolutionSelector() } }
class ResolutionStrategy(size: android.util.Size, rule: Int) { companion object { const val FALLBACK_RULE_CLOSEST_HIGHER_THEN_LOWER = 1 } }
