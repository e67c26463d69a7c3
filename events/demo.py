"""Demo content of the events app (idempotent): the group's first meetup on 2019-09-07,
with its venue, talks, recordings, notebook, photos, head counts and a summary post in
Chinese and English, plus two upcoming meetups relative to today and a model night whose
challenge board holds the leaderboard submissions made from the day the demo was loaded.

Facts come from the group's own summary of that afternoon; the words are new. Titles,
descriptions and abstracts are given in English and in Chinese (``title_zh`` …).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from events import services
from events.models import RSVP, Event, Material, Recording

TZ = ZoneInfo("Asia/Shanghai")
FIRST_SLUG = "2019-09-07-tensorflow-all-around-zhuhai"
DEMO_DIR = Path(__file__).resolve().parent / "demo_data"
# The meetup's photos stay on the group's image host. Pages show them as links unless the
# operator allows the host in the CSP (CSP_IMG_HOSTS=https://ipic.zoomquiet.top), and the
# posts link their image, so the alt text left by the sanitiser still leads to it.
IMG = "https://ipic.zoomquiet.top/2019-09-09-{}"

DESCRIPTION = """\
**TensorFlow All-Around Zhuhai**: the first meetup of the TensorFlow User Group Zhuhai.

An afternoon of hands-on deep learning: we watch a classic introduction to TensorFlow
together, train a handwritten-digit model live in Jupyter, hear a GDE from Shenzhen over
a video call, and close with an open discussion of projects the group could take on.

Sign-up page: https://www.meetup.com/TensorFlow-User-Group-Zhuhai/events/264053619/
"""

DESCRIPTION_ZH = """\
**TensorFlow All-Around 珠海**：TFUG 珠海的第一次线下聚会。

一个下午的硬核分享：一起看经典的 TensorFlow 入门视频，在 Jupyter 里现场训练手写数字识别模型，
远程连线深圳的 GDE 讲师，最后开放讨论社区可以一起做的项目。

报名页面：https://www.meetup.com/TensorFlow-User-Group-Zhuhai/events/264053619/
"""

DIRECTIONS = """\
Transit and transfer directions are at the end of the
[Meetup sign-up page](https://www.meetup.com/TensorFlow-User-Group-Zhuhai/events/264053619/).
交通与换乘说明见报名页面末尾。
"""

POST_ZH = """\
九月七日下午,TFUG 珠海在一间工业 loft 风格的空间里办完了第一次线下活动:
现场 22 人,线上 3 人。

[![全场](https://ipic.zoomquiet.top/2019-09-09-full-season.jpg)](https://ipic.zoomquiet.top/2019-09-09-full-season.jpg)

## 流程

- 主持人开场三件事:版权声明、场地安全、每人一句自我介绍。
- 一起看 Martin Görner 的经典视频 *TensorFlow and deep learning – without a PhD*
  ([B 站](https://www.bilibili.com/video/av8284296) /
  [YouTube](https://www.youtube.com/watch?v=qyvlt7kiQoI))。视频一个半小时,加速播放也用了一小时;
  看到准确率突破 99% 的那一刻,现场和当年的观众一样鼓起掌来。
- 现场用 Jupyter 训练一个手写数字识别模型,把视频里的能力复现一遍。
  [代码已公开](https://github.com/tfugzh/demo/blob/master/ipynb/dama-keras-demo-handwritten-digit-recognition.ipynb)。
- 15:42,深圳的 GDE 讲师通过 Zoom 远程接入。
- 开放讨论里冒出了好几个可行的项目想法。

## 资料

- 现场录音(百度网盘,提取码 `y9ey`)
- Zoom 直播录像:[YouTube 播放列表](https://www.youtube.com/playlist?list=PLToFpvpg6EgREUnpcMZZh1BAuvPsvjC1n)

## 海豚鉴定系统 DoIs

对面广东珠江口中华白海豚国家级自然保护区的研究生提出:能否由社区组织开发者,一起做一个模型,
辅助研究人员从照片里认出具体是哪一头中华白海豚?这就是 DoIs(Dolphin Identification System)的起点,
欢迎大家加入。
"""

POST_EN = """\
On the afternoon of 7 September 2019, TFUG Zhuhai held its first meetup in an
industrial loft: 22 people on site and 3 online.

[![The room](https://ipic.zoomquiet.top/2019-09-09-full-season.jpg)](https://ipic.zoomquiet.top/2019-09-09-full-season.jpg)

## What happened

- The host opened with three things: copyright, venue safety, and a one-line
  introduction from everyone.
- We watched Martin Görner's classic *TensorFlow and deep learning – without a PhD*
  ([Bilibili](https://www.bilibili.com/video/av8284296) /
  [YouTube](https://www.youtube.com/watch?v=qyvlt7kiQoI)). The video runs an hour and a
  half; even sped up it took an hour, and the room cheered when accuracy passed 99%.
- Live in Jupyter, we trained a handwritten-digit model to reproduce what the video
  showed. [The code is public](https://github.com/tfugzh/demo/blob/master/ipynb/dama-keras-demo-handwritten-digit-recognition.ipynb).
- At 15:42 a GDE from Shenzhen joined remotely over Zoom.
- The open discussion produced several feasible project ideas.

## Recordings

- Audio recorded in the room (Baidu cloud drive, access code `y9ey`)
- The Zoom live-stream replay: [YouTube playlist](https://www.youtube.com/playlist?list=PLToFpvpg6EgREUnpcMZZh1BAuvPsvjC1n)

## DoIs, the Dolphin Identification System

A graduate student from the Guangdong Pearl River Estuary Chinese White Dolphin National
Nature Reserve, just across the water, asked whether the group could build a model that
helps researchers tell individual Chinese white dolphins apart from photos. That is how
DoIs began. Everyone is welcome to join.
"""

PHOTOS = [
    ("full-season.jpg", "The industrial loft where the meetup took place / 活动现场"),
    ("loc-dama.jpg", "The host opens the afternoon / 主持人开场"),
    ("loc-talk.jpg", "Time to meet each other / 社交时间"),
    ("tee-tf.jpg", "The special TensorFlow T-shirts / 特制纪念衫"),
    ("loc-hot.jpg", "Training a model live in Jupyter / 现场用 Jupyter 训练模型"),
    ("zoom-webcam.jpg", "The remote speaker joins over Zoom / 远程讲师通过 Zoom 接入"),
    ("loc-ask.jpg", "Open discussion / 开放讨论"),
]


def _at(day: datetime, hhmm: str) -> datetime:
    hours, minutes = (int(x) for x in hhmm.split(":"))
    return day.replace(hour=hours, minute=minutes, second=0, microsecond=0)


def _first_meetup(*, users: dict) -> Event:
    organiser, admin = users["organiser"], users["admin"]
    day = datetime(2019, 9, 7, tzinfo=TZ)
    venue = services.venue_create(
        name="极简汇率 (Jijian Huilü)",
        address="珠海市香洲区南腾街5号 · No. 5 Nanteng Street, Xiangzhou District, Zhuhai",
        directions=DIRECTIONS,
        map_url="https://www.openstreetmap.org/search?query=%E7%8F%A0%E6%B5%B7%E5%B8%82"
                "%E9%A6%99%E6%B4%B2%E5%8C%BA%E5%8D%97%E8%85%BE%E8%A1%975%E5%8F%B7",
    )
    series = services.series_get_or_create(name="TensorFlow All-Around 珠海 / Zhuhai")
    event = services.event_create(
        actor=organiser, slug=FIRST_SLUG,
        title="TensorFlow All-Around Zhuhai: first meetup",
        title_zh="TensorFlow All-Around 珠海 · 首次聚会",
        description=DESCRIPTION, description_zh=DESCRIPTION_ZH, starts_at=_at(day, "13:42"),
        ends_at=_at(day, "16:42"),
        timezone_name="Asia/Shanghai", capacity=30, venue=venue, series=series,
        stream_url="https://www.youtube.com/playlist?list=PLToFpvpg6EgREUnpcMZZh1BAuvPsvjC1n",
        tags=["tfug", "meetup", "keras", "jupyter"], organisers=[admin],
    )
    services.event_publish(actor=organiser, event=event)
    host = "大妈 Zoom.Quiet"
    services.talk_add(actor=organiser, event=event, speaker_names=[host],
                      title="Opening: copyright, venue safety, introductions",
                      title_zh="开场三件事：版权声明、场地安全、自我介绍",
                      starts_at=_at(day, "13:42"))
    services.talk_add(
        actor=organiser, event=event, speaker_names=["Martin Görner"],
        title="Watching together: TensorFlow and deep learning – without a PhD",
        title_zh="一起看：TensorFlow and deep learning – without a PhD",
        abstract="A classic video, watched together (sped up): how TensorFlow learns to "
                 "recognise handwritten digits, and three ways past 99% accuracy. "
                 "The speaker is on screen, not in the room.",
        abstract_zh="一起观看经典视频（加速播放）：TensorFlow 如何学会识别手写数字，"
                    "以及把准确率提到 99% 以上的几种方法。讲者在屏幕上，不在现场。",
        starts_at=_at(day, "14:00"))
    services.talk_add(
        actor=organiser, event=event, speaker_names=[host],
        title="Live: training a handwritten-digit model in Jupyter",
        title_zh="现场实时训练：在 Jupyter 里训练手写数字识别模型",
        abstract="A compact Keras model defined, trained and spot-checked live, "
                 "reproducing the video's result.",
        abstract_zh="现场定义、训练并抽查一个小巧的 Keras 模型，复现视频里的效果。",
        starts_at=_at(day, "15:00"))
    gde = "GDE speaker from Shenzhen / 深圳 GDE 讲师"
    services.talk_add(
        actor=organiser, event=event, speaker_names=[gde], remote_speakers=[gde],
        title="Remote talk over Zoom", title_zh="远程连线分享（Zoom）",
        starts_at=_at(day, "15:42"),
        abstract="Our Google Developer Expert from Shenzhen joined the room by video call.",
        abstract_zh="深圳的 Google 开发者专家（GDE）通过视频连线加入现场。")
    services.talk_add(
        actor=organiser, event=event, speaker_names=[host],
        title="Open discussion: community projects, and the DoIs idea",
        title_zh="开放讨论：社区项目与 DoIs 的想法",
        abstract_zh="来自中华白海豚自然保护区的研究生提出做一个照片识别模型：这就是 DoIs 的起点。",
        abstract="A graduate student from the Chinese white dolphin nature reserve proposed "
                 "a photo-identification model: the start of DoIs.",
        starts_at=_at(day, "16:10"))

    services.recording_add(
        actor=organiser, event=event, title="Audio recorded in the room / 现场录音",
        kind=Recording.Kind.AUDIO, provider=Recording.Provider.DRIVE,
        url="https://pan.baidu.com/s/1fpmUZwMRB2tKHcMQgCKydw", access_code="y9ey")
    services.recording_add(
        actor=organiser, event=event, title="Zoom live-stream replay / Zoom 直播录像",
        kind=Recording.Kind.LIVESTREAM, provider=Recording.Provider.YOUTUBE,
        url="https://www.youtube.com/playlist?list=PLToFpvpg6EgREUnpcMZZh1BAuvPsvjC1n")
    services.recording_add(
        actor=organiser, event=event,
        title="TensorFlow and deep learning – without a PhD (Bilibili)",
        kind=Recording.Kind.VIDEO, provider=Recording.Provider.BILIBILI,
        url="https://www.bilibili.com/video/av8284296", duration=timedelta(minutes=90))
    services.recording_add(
        actor=organiser, event=event,
        title="TensorFlow and deep learning – without a PhD (YouTube)",
        kind=Recording.Kind.VIDEO, provider=Recording.Provider.YOUTUBE,
        url="https://www.youtube.com/watch?v=qyvlt7kiQoI", duration=timedelta(minutes=90))

    services.material_add(
        actor=organiser, event=event, kind=Material.Kind.NOTEBOOK,
        title="Keras handwritten-digit demo (the notebook from the room)",
        url="https://github.com/tfugzh/demo/blob/master/ipynb/"
            "dama-keras-demo-handwritten-digit-recognition.ipynb")
    notebook = (DEMO_DIR / "keras-mnist-sketch.ipynb").read_bytes()
    services.material_add(
        actor=organiser, event=event, kind=Material.Kind.NOTEBOOK,
        title="A short sketch of the same model (rendered here)",
        upload=SimpleUploadedFile("keras-mnist-sketch.ipynb", notebook,
                                  content_type="application/x-ipynb+json"))
    services.material_add(
        actor=organiser, event=event, kind=Material.Kind.CODE,
        title="DoIs: Dolphin Identification System (first sketch)",
        url="https://github.com/tfugzh/demo/tree/master/DoIs")
    for name, caption in PHOTOS:
        services.photo_add_external(actor=organiser, event=event, url=IMG.format(name),
                                    caption=caption)

    # Head counts: three members checked in, the rest were counted at the door.
    for key in ("organiser", "researcher", "volunteer"):
        rsvp, _ = RSVP.objects.get_or_create(event=event, user=users[key], defaults={
            "mode": RSVP.Mode.ONSITE, "status": RSVP.Status.GOING})
        services.attendance_check_in(actor=organiser, event=event, rsvp=rsvp)
    services.attendance_walk_ins_set(actor=organiser, event=event, onsite=19, online=3)

    published = datetime(2019, 9, 9, 23, 0, tzinfo=TZ)
    common = {"actor": organiser, "event": event, "author": "zoomq", "published_at": published,
              "categories": ["Events"], "tags": ["tfug", "event", "meetup", "summary"]}
    zh = services.post_write(**common, slug="2019-09-09-first-meetup-summary-zh",
                             language="zh-hans", title="首次 TensorFlow All-Around 小结",
                             description="社区活动,值得参与", body=POST_ZH)
    en = services.post_write(**common, slug="2019-09-09-first-meetup-summary-en", language="en",
                             title="Our first TensorFlow All-Around: a summary",
                             description="Community events are worth joining", body=POST_EN)
    services.post_translation_link(actor=organiser, post=zh, other=en)
    return event


def _upcoming(*, users: dict, first: Event) -> None:
    organiser = users["organiser"]
    today = timezone.localtime(timezone.now(), TZ)
    plans = [
        ("demo-next-meetup", 14, "Monthly meetup: Keras 3 hands-on",
         "TensorFlow 月度聚会：Keras 3 动手实践",
         "Bring a laptop: we build and train a small Keras 3 model together.",
         "带上电脑，一起动手用 Keras 3 搭建并训练一个小模型。", 30),
        ("demo-dois-sprint", 42, "DoIs hack sprint", "DoIs 开发冲刺",
         "Work on the Dolphin Identification System: data cleaning, fin crops, "
         "model evaluation.", "一起为海豚鉴定系统写代码、整理数据、裁剪背鳍、评估模型。", 20),
    ]
    for slug, days, title, title_zh, description, description_zh, capacity in plans:
        if Event.objects.filter(slug=slug).exists():
            continue
        start = (today + timedelta(days=days)).replace(hour=14, minute=0, second=0,
                                                        microsecond=0)
        event = services.event_create(
            actor=organiser, slug=slug, title=title, description=description,
            title_zh=title_zh, description_zh=description_zh,
            starts_at=start, ends_at=start + timedelta(hours=3),
            timezone_name="Asia/Shanghai", capacity=capacity, venue=first.venue,
            series=first.series, stream_url="", tags=["tfug", "meetup"], max_guests=1,
        )
        services.event_publish(actor=organiser, event=event)


MODEL_NIGHT_SLUG = "demo-model-night"
MODEL_NIGHT_DESCRIPTION = """\
**Model night**: bring the fin embedder you trained on the DoIs catalogue's training
split. Every model members submit to the leaderboard while the challenge is open is
ranked on this page, by MAP@5 on the frozen evaluation split, as on the full leaderboard.

On the night, the authors of the best models tell the room what they tried, and we
look together at the fins the models still confuse.
"""
MODEL_NIGHT_DESCRIPTION_ZH = """\
**模型之夜**：带上你用 DoIs 目录训练集训练的背鳍嵌入模型。挑战开放期间成员提交到排行榜的模型，
都会按冻结评测集上的 MAP@5 在本页排名，与完整排行榜一致。

当晚，成绩最好的模型作者向大家介绍他们的尝试，我们再一起看看模型仍会混淆的背鳍。
"""


def _model_night(*, users: dict, first: Event) -> Event | None:
    """A model night three weeks ahead whose challenge opened at the start of the day
    the demo was first loaded: the leaderboard submissions made from then on (those the
    DoIs demo makes right after this one, and those a visitor submits) are on its board.
    Its talk presents no model yet (an organiser links one in the talk form)."""
    if Event.objects.filter(slug=MODEL_NIGHT_SLUG).exists():
        return None
    organiser = users["organiser"]
    today = timezone.localtime(timezone.now(), TZ).replace(hour=0, minute=0, second=0,
                                                           microsecond=0)
    start = (today + timedelta(days=21)).replace(hour=19)
    event = services.event_create(
        actor=organiser, slug=MODEL_NIGHT_SLUG,
        title="DoIs model night: fin embedders", title_zh="DoIs 模型之夜：背鳍嵌入模型",
        description=MODEL_NIGHT_DESCRIPTION, description_zh=MODEL_NIGHT_DESCRIPTION_ZH,
        starts_at=start, ends_at=start + timedelta(hours=3),
        timezone_name="Asia/Shanghai", capacity=40, venue=first.venue, series=first.series,
        tags=["tfug", "dois", "model-night"], model_night=True, challenge_opens_at=today)
    services.event_publish(actor=organiser, event=event)
    services.talk_add(
        actor=organiser, event=event, speaker_names=["大妈 Zoom.Quiet"],
        title="The challenge's best models, by their authors",
        title_zh="挑战最佳模型：作者现场分享",
        abstract="Five minutes for each of the best-ranked models: the data, the "
                 "training, what worked and what did not.",
        abstract_zh="排名靠前的每个模型各五分钟：数据、训练方法，哪些有效、哪些无效。",
        starts_at=start + timedelta(minutes=30))
    return event


def load_demo(*, users: dict, stdout) -> Event | None:
    """Load the demo events (idempotent); return the first meetup (DoIs's birthplace)."""
    with transaction.atomic():
        first = Event.objects.filter(slug=FIRST_SLUG).first()
        if first is None:
            first = _first_meetup(users=users)
            stdout.write(f"events: created {first.title}")
        _upcoming(users=users, first=first)
        night = _model_night(users=users, first=first)
        if night is not None:
            stdout.write(f"events: created {night.title}")
    return first
