"""Poses of synthetic people: body proportions, joint angles, and the joint positions they give.

Lengths in `Body` are fractions of the standing height; angles are degrees. A limb angle is
measured from hanging straight down, positive away from the body's midline (outward).
"""
from dataclasses import dataclass, field

import numpy as np

from hrkeras.training.data.coco_meta import KEYPOINT_NAMES
from hrkeras.training.data.synthetic_shapes import rotation

FACE = ("nose", "left_eye", "right_eye")


@dataclass(frozen=True)
class Body:
    """Segment lengths and widths as fractions of the standing height."""

    head_w: float = 0.10
    head_h: float = 0.13
    neck: float = 0.035
    torso: float = 0.30
    shoulder_w: float = 0.21
    hip_w: float = 0.11
    upper_arm: float = 0.17
    forearm: float = 0.15
    hand: float = 0.055
    thigh: float = 0.245
    shin: float = 0.235
    girth: float = 1.0


@dataclass(frozen=True)
class Pose:
    """A figure's placement and joint angles. Pairs are (left, right) of the person.

    center: pelvis (x, y) in image px; height: standing height in px; facing: +1 front (the
    person's left on the image's right), -1 back; rotation: whole body; lean: torso against
    the legs; head_tilt; head_turn: face shift in [-1, 1] of the half head width;
    shoulder/elbow/hip/knee: limb angles; reach: foreshortening (upper_arm, forearm, thigh,
    shin) x (left, right) in (0, 1]; near: the side ("left"/"right") whose limbs are drawn
    last, over the other's.
    """

    center: tuple
    height: float
    facing: int = 1
    rotation: float = 0.0
    lean: float = 0.0
    head_tilt: float = 0.0
    head_turn: float = 0.0
    shoulder: tuple = (10.0, 10.0)
    elbow: tuple = (0.0, 0.0)
    hip: tuple = (5.0, 5.0)
    knee: tuple = (0.0, 0.0)
    reach: tuple = ((1.0, 1.0),) * 4
    near: str = "left"
    body: Body = field(default_factory=Body)


def sample_body(rng):
    """Random proportions around the average Body."""
    base = Body()
    jitter = {k: getattr(base, k) * rng.normal(1.0, 0.06) for k in base.__dataclass_fields__ if k != "girth"}
    return Body(**jitter, girth=float(rng.uniform(0.8, 1.25)))


def _shoulder_angle(rng):
    kind = rng.choice(3, p=(0.55, 0.3, 0.15))
    return float(rng.uniform(*[(-20, 35), (35, 120), (120, 175)][kind]))


def _elbow_angle(rng):
    if rng.random() < 0.75:
        return float(-min(abs(rng.normal(0, 55)), 145))
    return float(min(abs(rng.normal(0, 35)), 100))


def _leg_angles(rng):
    """(hip, knee) with the shin kept within [-25, 75] degrees of straight down."""
    hip = rng.uniform(-12, 25) if rng.random() < 0.85 else rng.uniform(25, 60)
    shin = np.clip(hip + rng.normal(0, 15), -25, 75)
    return float(hip), float(shin - hip)


def _reach(rng):
    return float(1.0 - min(abs(rng.normal(0, 0.15)), 0.45))


def sample_pose(rng, center, height, back_prob=0.3):
    """A random Pose within human joint limits at pelvis `center` (x, y) and `height` px."""
    rotation_deg = rng.uniform(-90, 90) if rng.random() < 0.05 else rng.normal(0, 6)
    legs = (_leg_angles(rng), _leg_angles(rng))
    return Pose(
        center=(float(center[0]), float(center[1])), height=float(height),
        facing=-1 if rng.random() < back_prob else 1,
        rotation=float(rotation_deg),
        lean=float(np.clip(rng.normal(0, 9), -35, 35)),
        head_tilt=float(np.clip(rng.normal(0, 10), -30, 30)),
        head_turn=float(np.clip(rng.normal(0, 0.3), -0.7, 0.7)),
        shoulder=(_shoulder_angle(rng), _shoulder_angle(rng)),
        elbow=(_elbow_angle(rng), _elbow_angle(rng)),
        hip=(legs[0][0], legs[1][0]),
        knee=(legs[0][1], legs[1][1]),
        reach=tuple((_reach(rng), _reach(rng)) for _ in range(4)),
        near=str(rng.choice(["left", "right"])),
        body=sample_body(rng),
    )


def _down(side, angle):
    """Unit vector `angle` degrees outward from straight down, on the image side `side` (+-1)."""
    t = np.deg2rad(angle)
    return np.array([side * np.sin(t), np.cos(t)])


def skeleton(pose):
    """Named points (image px, [2] each): the 17 COCO joints plus pelvis, neck (shoulder
    midpoint), head (center), and {left,right}_hand / _foot centers used for drawing."""
    b, h = pose.body, pose.height
    pelvis = np.asarray(pose.center, np.float64)
    legs, upper = rotation(pose.rotation), rotation(pose.rotation + pose.lean)
    head_frame = rotation(pose.rotation + pose.lean + pose.head_tilt)
    p = {"pelvis": pelvis, "neck": pelvis + upper @ (0.0, -b.torso * h)}
    p["head"] = p["neck"] + head_frame @ (0.0, -(b.neck + b.head_h / 2) * h)
    a, c = b.head_w * h / 2, b.head_h * h / 2
    turn = pose.head_turn * a
    p["nose"] = p["head"] + head_frame @ (0.45 * turn, 0.25 * c)
    for i, name in enumerate(("left", "right")):
        s = pose.facing if name == "left" else -pose.facing
        p[f"{name}_eye"] = p["head"] + head_frame @ (s * 0.4 * a + 0.3 * turn, -0.08 * c)
        p[f"{name}_ear"] = p["head"] + head_frame @ (s * 0.97 * a, 0.02 * c)
        shoulder = p["neck"] + upper @ (s * b.shoulder_w / 2 * h, 0.0)
        d1 = upper @ _down(s, pose.shoulder[i])
        d2 = upper @ _down(s, pose.shoulder[i] + pose.elbow[i])
        elbow = shoulder + d1 * b.upper_arm * h * pose.reach[0][i]
        wrist = elbow + d2 * b.forearm * h * pose.reach[1][i]
        hip = pelvis + legs @ (s * b.hip_w / 2 * h, 0.0)
        d3 = legs @ _down(s, pose.hip[i])
        d4 = legs @ _down(s, pose.hip[i] + pose.knee[i])
        knee = hip + d3 * b.thigh * h * pose.reach[2][i]
        ankle = knee + d4 * b.shin * h * pose.reach[3][i]
        p.update({
            f"{name}_shoulder": shoulder, f"{name}_elbow": elbow, f"{name}_wrist": wrist,
            f"{name}_hand": wrist + d2 * b.hand * h * 0.5,
            f"{name}_hip": hip, f"{name}_knee": knee, f"{name}_ankle": ankle,
            f"{name}_foot": ankle + legs @ (s * 0.018 * h, 0.028 * h),
        })
    return p


def keypoints(pose):
    """The 17 COCO joints of `pose`: [17, 2] float (x, y) image px."""
    p = skeleton(pose)
    return np.stack([p[name] for name in KEYPOINT_NAMES])


def labeled(pose):
    """[17] bool: joints an annotator can place (a back-facing person's nose and eyes cannot)."""
    return np.array([pose.facing > 0 or name not in FACE for name in KEYPOINT_NAMES])
