// Versions pinned here (AGP 8.13 wants Gradle 8.13 and JDK 17; see gradle/wrapper/gradle-wrapper.properties).
plugins {
    id("com.android.application") version "8.13.2" apply false
    id("org.jetbrains.kotlin.android") version "2.2.21" apply false
    id("org.jetbrains.kotlin.jvm") version "2.2.21" apply false
}
