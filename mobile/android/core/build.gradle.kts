// Plain Kotlin: no Android SDK. core/test.sh compiles and tests the same sources without Gradle.
plugins {
    id("org.jetbrains.kotlin.jvm")
}

kotlin {
    jvmToolchain(17)
}

dependencies {
    testImplementation("junit:junit:4.13.2")
}

tasks.test {
    // The golden vectors and METADATA.md live in <repository>/mobile.
    systemProperty("hrkeras.mobile", rootDir.parentFile.absolutePath)
}
