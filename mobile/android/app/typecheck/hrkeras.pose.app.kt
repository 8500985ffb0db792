package hrkeras.pose.app
object R { object layout { const val activity_main = 1 }; object id { const val preview = 1; const val overlay = 2; const val stats = 3; const val model = 4; const val camera = 5; const val scale = 6 }
  object string { const val model = 1; const val switch_camera = 2; const val scale_fit = 3; const val scale_fill = 4; const val choose_file = 5; const val no_model = 6; const val no_camera_permission = 7 } }
