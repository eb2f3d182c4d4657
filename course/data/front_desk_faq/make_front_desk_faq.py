"""Write front_desk_faq_synthetic.csv: the SYNTHETIC FAQ bases of two invented cities, in English and Japanese.

Run it from the repository root:

    python course/data/front_desk_faq/make_front_desk_faq.py [--out PATH]

Every question and answer was written for the course. The two cities ("City A" and
"City B") are invented; the topics and departments follow the kinds of procedures a
Japanese municipal front desk handles, and the knowledge-sharing set-up (two bases
that can be merged) follows the Tokyo-Hiroshima-GovTech Tokyo agreement on AI use
(see the course's seeds/tokyo-hiroshima-ai-agreement.txt). Fees, days and places in
the answers are invented. The topic table below (TOPICS) is also used by
course/data/resident_inquiries/make_resident_inquiries.py. See DATASHEET.md.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

FILE_NAME = "front_desk_faq_synthetic.csv"

DEPARTMENTS = (
    "Citizen Affairs",
    "Tax",
    "Health Insurance and Pension",
    "Child and Family",
    "Elderly and Long-term Care",
    "Waste and Recycling",
    "Water and Sewerage",
    "Disaster Prevention",
)

# One row per topic: department, scope, which cities' FAQ bases hold it, the FAQ entry
# (question and answer, English then Japanese; {fee} etc. are filled in per city), and
# how residents ask about it (used by make_resident_inquiries.py).
# scope "national rule": the answer is the same in every city (a national procedure);
# scope "city rule": the answer holds only in the city that wrote it (fees, days, places).
TOPICS = [
    dict(
        topic="move_in", department="Citizen Affairs", scope="national rule", cities="AB",
        q_en="How do I register when I move into the city?",
        a_en="Bring your moving-out certificate from your old city and your ID to the Citizen Affairs counter soon after you move, within the period the law sets. If you have a My Number Card, bring it too.",
        q_ja="転入したときの手続きを教えてください。",
        a_ja="前の市区町村の転出証明書と本人確認書類を持って、引っ越し後、法律の期限内に市民課の窓口で転入届を出してください。マイナンバーカードをお持ちの方はご持参ください。",
        ask_en=["i just moved here from osaka, what do i need to do to register my address", "Where do I file the moving-in notice? New to this city", "we moved last weekend, do I have to tell city hall my new address?"],
        ask_ja=["大阪から引っ越してきました。住所の登録はどうすればいいですか", "転入届ってどこに出せばいいの?", "先週引っ越してきたんですが、市役所で何か手続きが必要ですか"],
    ),
    dict(
        topic="move_out", department="Citizen Affairs", scope="national rule", cities="AB",
        q_en="What do I do when I move out of the city?",
        a_en="File a moving-out notice at the Citizen Affairs counter or online with your My Number Card before you move. You will receive a moving-out certificate for your new city.",
        q_ja="市外へ転出するときの手続きは?",
        a_ja="引っ越しの前に、市民課の窓口またはマイナンバーカードを使ったオンライン申請で転出届を出してください。転出証明書を新しい市区町村に提出します。",
        ask_en=["I'm moving to Fukuoka next month, what paperwork do I do here before leaving", "how to file moving out notice online", "leaving the city in april. anything I need to submit?"],
        ask_ja=["来月福岡に引っ越します。ここでしておく手続きは?", "転出届はオンラインでも出せますか", "4月に市外へ引っ越す予定です。何を出せばいいですか"],
    ),
    dict(
        topic="mynumber_apply", department="Citizen Affairs", scope="national rule", cities="AB",
        q_en="How do I apply for a My Number Card?",
        a_en="Apply online, by post or at a photo booth with the application form you received, or ask at the Citizen Affairs counter. When the card is ready we send you a notice to collect it.",
        q_ja="マイナンバーカードの申請方法を教えてください。",
        a_ja="交付申請書を使って、オンライン、郵送、または証明写真機で申請できます。市民課の窓口でもご案内します。カードができたら受け取りのご案内を送ります。",
        ask_en=["how can i get a my number card? i dont have one yet", "Where do I apply for the mynumber card and how long does it take", "I want to make a My Number card for my son"],
        ask_ja=["マイナンバーカードを作りたいんですがどうすれば", "マイナカードの申請ってどこでできますか", "息子のマイナンバーカードを作りたいです"],
    ),
    dict(
        topic="mynumber_lost", department="Citizen Affairs", scope="national rule", cities="A",
        q_en="I lost my My Number Card. What should I do?",
        a_en="Call the national My Number hotline at once to suspend the card, report the loss to the police, then apply for a new card at the Citizen Affairs counter.",
        q_ja="マイナンバーカードをなくしました。どうすればいいですか。",
        a_ja="すぐにマイナンバー総合フリーダイヤルに電話してカードの利用を止め、警察に遺失届を出してから、市民課の窓口で再交付を申請してください。",
        ask_en=["I think I lost my my number card on the train!! what now", "my wallet was stolen with my mynumber card inside", "Lost my card, can someone use it? how do I stop it"],
        ask_ja=["マイナンバーカードを落としてしまいました", "財布ごとマイナカードを盗まれました。どうしたら", "カードをなくしたので止めたいです"],
    ),
    dict(
        topic="resident_record", department="Citizen Affairs", scope="city rule", cities="AB",
        q_en="How can I get a copy of my resident record (juminhyo)?",
        a_en="At the Citizen Affairs counter, or at a convenience store with your My Number Card. A copy costs {fee_copy} yen at the counter.",
        q_ja="住民票の写しはどこで取れますか。",
        a_ja="市民課の窓口、またはマイナンバーカードを使ってコンビニで取得できます。窓口での手数料は1通{fee_copy}円です。",
        ask_en=["need a juminhyo for my visa, where can I get one", "can I print my resident certificate at a convenience store?", "how much is a copy of the resident register"],
        ask_ja=["ビザの申請で住民票が必要です", "コンビニで住民票って取れますか", "住民票の写しの手数料はいくらですか"],
    ),
    dict(
        topic="seal_registration", department="Citizen Affairs", scope="city rule", cities="B",
        q_en="How do I register my personal seal (inkan)?",
        a_en="Come to the Citizen Affairs counter with the seal and your ID. You receive a seal registration card the same day; a certificate costs {fee_copy} yen.",
        q_ja="印鑑登録の方法を教えてください。",
        a_ja="登録する印鑑と本人確認書類を持って市民課の窓口にお越しください。その日のうちに印鑑登録証をお渡しします。証明書は1通{fee_copy}円です。",
        ask_en=["how do i register my hanko for buying a car", "I need an inkan certificate, how?", "Registering a seal stamp, what do I bring"],
        ask_ja=["車を買うので印鑑登録をしたい", "印鑑証明が欲しいんですが", "はんこの登録には何が必要ですか"],
    ),
    dict(
        topic="resident_tax_pay", department="Tax", scope="city rule", cities="AB",
        q_en="How can I pay my resident tax?",
        a_en="Pay with the payment slip at a bank, at a convenience store, or with a smartphone payment app; or set up a bank transfer. Payments are due in {tax_months}.",
        q_ja="市民税の納め方を教えてください。",
        a_ja="納付書で金融機関やコンビニ、スマートフォン決済アプリで納付できます。口座振替も利用できます。納期は{tax_months_ja}です。",
        ask_en=["can i pay resident tax with paypay", "where do I pay the city tax bill I got in the mail", "is there a way to pay residence tax automatically from my bank?"],
        ask_ja=["住民税ってスマホ決済で払えますか", "届いた市民税の納付書はどこで払えばいい?", "住民税を口座振替にしたいです"],
    ),
    dict(
        topic="tax_certificate", department="Tax", scope="city rule", cities="A",
        q_en="How do I get an income and tax certificate?",
        a_en="Ask at the Tax counter or get it at a convenience store with your My Number Card. It costs {fee_copy} yen and shows last year's income.",
        q_ja="所得証明書(課税証明書)の取り方は?",
        a_ja="税務課の窓口、またはマイナンバーカードを使ってコンビニで取得できます。手数料は{fee_copy}円で、前年の所得が記載されます。",
        ask_en=["my nursery application asks for proof of income, where can I get that", "I need a tax certificate for my housing loan", "how to get shotoku shomeisho"],
        ask_ja=["保育園の申し込みに所得証明が要ると言われました", "住宅ローンで課税証明書が必要です", "所得証明ってどこでもらえますか"],
    ),
    dict(
        topic="light_vehicle_tax", department="Tax", scope="city rule", cities="B",
        q_en="I sold my scooter. Do I still pay the light vehicle tax?",
        a_en="The light vehicle tax is charged to whoever owns the vehicle on 1 April. File a scrapping or transfer notice at the Tax counter before then to stop next year's tax.",
        q_ja="バイクを手放しました。軽自動車税はどうなりますか。",
        a_ja="軽自動車税は4月1日時点の所有者にかかります。それまでに税務課で廃車または名義変更の手続きをすれば、翌年度からは課税されません。",
        ask_en=["I got rid of my moped but still got a tax bill", "do i have to pay tax on a motorbike I dont use anymore", "how to stop the light car tax after selling"],
        ask_ja=["原付を処分したのに税金の通知が来ました", "使っていないバイクの税金を止めたい", "軽自動車を売ったら税金はどうなる"],
    ),
    dict(
        topic="nhi_join", department="Health Insurance and Pension", scope="national rule", cities="AB",
        q_en="I left my job. How do I join National Health Insurance?",
        a_en="Bring the certificate that your company insurance ended and your ID to the Health Insurance counter, within the period the law sets. Premiums are charged from the day your old insurance ended.",
        q_ja="会社を辞めました。国民健康保険の加入手続きは?",
        a_ja="会社の保険の資格喪失証明書と本人確認書類を持って、法律の期限内に保険年金課で手続きしてください。保険料は前の保険が終わった日からかかります。",
        ask_en=["quit my job last week, what happens with my health insurance", "how do I sign up for kokumin kenko hoken", "my company insurance ended, which insurance do I join now?"],
        ask_ja=["先週仕事を辞めました。健康保険はどうなりますか", "国保に入りたいです", "会社の保険が切れたのでどの保険に入ればいいですか"],
    ),
    dict(
        topic="nhi_reduction", department="Health Insurance and Pension", scope="city rule", cities="A",
        q_en="My income fell. Can my health insurance premium be reduced?",
        a_en="If your household income fell sharply, for example after losing your job, you may apply for a reduction of the National Health Insurance premium at the Health Insurance counter with proof of the change.",
        q_ja="収入が減りました。国民健康保険料を減らせますか。",
        a_ja="失業などで世帯の所得が大きく減った場合は、減ったことがわかる書類を持って保険年金課で国民健康保険料の減免を申請できます。",
        ask_en=["i lost my job and cant afford the health insurance premium", "is there a discount on kokuho if my income dropped", "the insurance bill is too high this year, can it be lowered"],
        ask_ja=["失業して国保の保険料が払えません", "収入が減ったので保険料を安くしたい", "今年の国保が高すぎます。減額はできますか"],
    ),
    dict(
        topic="pension_exemption", department="Health Insurance and Pension", scope="national rule", cities="AB",
        q_en="I am a student. Do I have to pay national pension premiums?",
        a_en="Students can apply for the student payment special rule, which postpones the premiums. Apply at the Health Insurance and Pension counter or online with your student ID.",
        q_ja="学生ですが国民年金保険料を払わないといけませんか。",
        a_ja="学生は学生納付特例を申請すると保険料の納付が猶予されます。学生証を持って保険年金課の窓口、またはオンラインで申請してください。",
        ask_en=["I'm a university student and got a pension bill. do i have to pay", "student exemption for the nenkin how", "cant pay the national pension, I'm still in school"],
        ask_ja=["大学生なのに年金の納付書が届きました", "学生納付特例の申請はどこで", "学生で年金が払えません"],
    ),
    dict(
        topic="child_allowance", department="Child and Family", scope="national rule", cities="AB",
        q_en="How do I apply for the child allowance after a birth?",
        a_en="Apply at the Child and Family counter soon after the birth, within the period the law sets, with your bank account details. The allowance is paid from the month after you apply.",
        q_ja="出生後の児童手当の申請方法は?",
        a_ja="出生後、法律の期限内に、振込先の口座がわかるものを持って子ども家庭課で申請してください。申請した月の翌月分から支給されます。",
        ask_en=["our baby was born yesterday! how do we get the child allowance", "jidou teate application for newborn", "what do I need to apply for child benefit"],
        ask_ja=["昨日子どもが生まれました。児童手当の手続きは?", "児童手当の申請に必要なものは", "赤ちゃんの手当の申し込みをしたいです"],
    ),
    dict(
        topic="nursery_apply", department="Child and Family", scope="city rule", cities="AB",
        q_en="How do I apply for a nursery (hoikuen) place?",
        a_en="Apply to the Child and Family department by {nursery_deadline} for places starting in April, with proof that both parents work. Places are given by a points system.",
        q_ja="保育園の入園申し込み方法は?",
        a_ja="4月入園は{nursery_deadline_ja}までに、保護者の就労証明書を添えて子ども家庭課に申し込んでください。利用調整(点数)で入園が決まります。",
        ask_en=["when is the deadline for daycare applications for april", "how to get my kid into a hoikuen", "I'm going back to work, how do I apply for nursery school"],
        ask_ja=["4月からの保育園の締め切りはいつですか", "子どもを保育園に入れたい", "仕事に復帰するので保育所に申し込みたいです"],
    ),
    dict(
        topic="child_medical", department="Child and Family", scope="city rule", cities="A",
        q_en="Are children's medical costs free?",
        a_en="Children up to the end of high school pay nothing at clinics in the prefecture when they show the child medical certificate. Apply for the certificate at the Child and Family counter.",
        q_ja="子どもの医療費は無料ですか。",
        a_ja="高校生年代までの子どもは、子ども医療証を見せると県内の医療機関で自己負担がありません。医療証は子ども家庭課で申請してください。",
        ask_en=["do I have to pay at the doctor for my 5 year old?", "child medical subsidy card how to get", "is the hospital free for kids here"],
        ask_ja=["子どもの病院代は無料になりますか", "子ども医療証はどこでもらえますか", "5歳の子の医療費の助成について"],
    ),
    dict(
        topic="ltc_certification", department="Elderly and Long-term Care", scope="national rule", cities="AB",
        q_en="How do I apply for long-term care certification?",
        a_en="The person needing care, or their family, applies at the Elderly and Long-term Care counter. An assessor visits, a doctor writes an opinion, and a committee decides the care level.",
        q_ja="要介護認定の申請方法を教えてください。",
        a_ja="ご本人またはご家族が高齢介護課の窓口で申請します。調査員の訪問と主治医の意見書をもとに、審査会が介護度を決めます。",
        ask_en=["my father needs care now, how do we get kaigo services", "how to apply for care level assessment for my mother", "what's the process to get nursing care insurance services"],
        ask_ja=["父に介護が必要になりました。どうすれば", "母の要介護認定を受けたい", "介護保険のサービスを使うにはどうしたらいいですか"],
    ),
    dict(
        topic="elderly_watch", department="Elderly and Long-term Care", scope="city rule", cities="B",
        q_en="I am worried about an older neighbour who lives alone. Who can check on them?",
        a_en="Call the community general support centre for your area, or the Elderly and Long-term Care department. Staff or a local welfare volunteer will visit. In an emergency call 119.",
        q_ja="一人暮らしの高齢の隣人が心配です。誰に相談できますか。",
        a_ja="お住まいの地域の地域包括支援センター、または高齢介護課にご連絡ください。職員や民生委員が訪問します。緊急のときは119番に電話してください。",
        ask_en=["haven't seen the old lady next door for days, who do I call", "my elderly neighbour lives alone and seems confused", "can someone check on an old man living by himself"],
        ask_ja=["隣の一人暮らしのおばあさんを最近見かけません", "近所の高齢者の様子がおかしいです", "一人暮らしのお年寄りの見守りをお願いしたい"],
    ),
    dict(
        topic="garbage_days", department="Waste and Recycling", scope="city rule", cities="AB",
        q_en="Which day is garbage collected?",
        a_en="Burnable garbage is collected {burnable_days}; plastics and cans once a week. The day for your street is in the collection calendar and the city's garbage app.",
        q_ja="ごみの収集日はいつですか。",
        a_ja="燃やすごみは{burnable_days_ja}に収集します。プラスチックと缶は週1回です。地区ごとの曜日はごみカレンダーとごみ分別アプリで確認できます。",
        ask_en=["what day is burnable trash in my area", "when do they pick up garbage? just moved in", "is garbage collected on saturday"],
        ask_ja=["燃えるごみの日は何曜日ですか", "引っ越してきたばかりでごみの日がわかりません", "土曜日もごみの収集はありますか"],
    ),
    dict(
        topic="oversized_waste", department="Waste and Recycling", scope="city rule", cities="AB",
        q_en="How do I throw away large items like furniture?",
        a_en="Book an oversized-waste collection by phone or online, buy a collection ticket ({fee_bulky} yen per item) at a convenience store, and put the item out on the booked morning.",
        q_ja="家具などの粗大ごみの出し方は?",
        a_ja="電話またはインターネットで粗大ごみの収集を申し込み、コンビニで処理券(1点{fee_bulky}円)を買って、予約した日の朝に出してください。",
        ask_en=["how do I get rid of an old sofa", "bulky garbage pickup booking", "i want to throw away a bed frame and a desk"],
        ask_ja=["古いソファを捨てたいです", "粗大ごみの予約はどうやって", "ベッドと机を処分したい"],
    ),
    dict(
        topic="appliance_recycling", department="Waste and Recycling", scope="national rule", cities="A",
        q_en="Can the city collect my old TV or refrigerator?",
        a_en="No. TVs, refrigerators, washing machines and air conditioners are recycled under the Home Appliance Recycling Act: ask the shop where you bought it or a new one, and pay the recycling fee.",
        q_ja="古いテレビや冷蔵庫は市で回収してもらえますか。",
        a_ja="テレビ、冷蔵庫、洗濯機、エアコンは家電リサイクル法の対象で、市では回収しません。購入した店か買い替える店に引き取りを依頼し、リサイクル料金を払ってください。",
        ask_en=["how to dispose of a broken fridge", "can i put my old tv out as oversized garbage?", "throwing away a washing machine"],
        ask_ja=["壊れた冷蔵庫はどうやって捨てる?", "古いテレビを粗大ごみに出せますか", "洗濯機を処分したいです"],
    ),
    dict(
        topic="water_start", department="Water and Sewerage", scope="city rule", cities="AB",
        q_en="How do I start or stop my water service when I move?",
        a_en="Tell the Water and Sewerage department at least {water_notice} days before you move, by phone or the online form, with your customer number.",
        q_ja="引っ越しのときの水道の開始・中止の手続きは?",
        a_ja="引っ越しの{water_notice}日前までに、お客様番号をご用意のうえ電話またはインターネットで上下水道局にご連絡ください。",
        ask_en=["the water isn't on in my new apartment", "moving out next week, how do I stop the water", "how do I open a water account"],
        ask_ja=["新しい部屋の水道が使えません", "来週引っ越すので水道を止めたい", "水道の使用開始の連絡先は"],
    ),
    dict(
        topic="water_leak", department="Water and Sewerage", scope="city rule", cities="AB",
        q_en="My water bill is suddenly high. Could there be a leak?",
        a_en="Close every tap and look at the meter: if it still turns, there is a leak. Call a designated plumber; repairs inside your property are yours, and you can apply for a leak reduction of the bill.",
        q_ja="水道料金が急に高くなりました。漏水でしょうか。",
        a_ja="すべての蛇口を閉めてメーターを確認し、動いていれば漏水の可能性があります。指定工事店に修理を依頼してください。敷地内の修理はお客様負担ですが、漏水減免を申請できます。",
        ask_en=["why is my water bill double this month??", "I think a pipe is leaking under my house", "water meter keeps spinning even with taps off"],
        ask_ja=["今月の水道代が倍になっています", "家の下の水道管から水が漏れているみたい", "蛇口を閉めてもメーターが回っています"],
    ),
    dict(
        topic="water_bill_pay", department="Water and Sewerage", scope="city rule", cities="B",
        q_en="How can I pay the water bill?",
        a_en="By bank transfer, credit card, or the payment slip at a bank or convenience store. Bills come every two months.",
        q_ja="水道料金の支払い方法は?",
        a_ja="口座振替、クレジットカード、または納付書で金融機関・コンビニで支払えます。請求は2か月ごとです。",
        ask_en=["can i pay water with credit card", "where do I pay the water charges", "switch water bill to bank transfer"],
        ask_ja=["水道代はクレジットカードで払えますか", "水道料金の払い方を知りたい", "水道代を口座引き落としにしたい"],
    ),
    dict(
        topic="evacuation_shelter", department="Disaster Prevention", scope="city rule", cities="AB",
        q_en="Where is my evacuation shelter?",
        a_en="Shelters are schools and community centres near you: see the list on the city website or the disaster prevention map. {shelter_note}",
        q_ja="避難所はどこですか。",
        a_ja="お近くの学校や公民館が避難所です。市のホームページの一覧か防災マップで確認してください。{shelter_note_ja}",
        ask_en=["where should we go if there's a big earthquake", "nearest evacuation center to my house?", "which school is the shelter for my area"],
        ask_ja=["大きな地震のときはどこに逃げればいいですか", "近くの避難所を教えて", "うちの地区の避難場所はどこ"],
    ),
    dict(
        topic="hazard_map", department="Disaster Prevention", scope="city rule", cities="AB",
        q_en="Is my house in a flood risk area?",
        a_en="Check the flood and landslide hazard map on the city website or pick up a paper copy at the Disaster Prevention counter. It shows expected water depth for each area.",
        q_ja="自宅が浸水の危険がある地域か知りたいです。",
        a_ja="市のホームページの洪水・土砂災害ハザードマップで確認するか、防災危機管理課で紙の地図を受け取ってください。地域ごとの想定浸水深がわかります。",
        ask_en=["does my area flood when it rains a lot", "where can I see the hazard map", "is it safe to buy a house near the river, flooding?"],
        ask_ja=["大雨のときうちの地域は浸水しますか", "ハザードマップはどこで見られますか", "川の近くの家を買おうか迷っています。洪水は大丈夫?"],
    ),
    dict(
        topic="alert_mail", department="Disaster Prevention", scope="city rule", cities="A",
        q_en="How can I get disaster alerts on my phone?",
        a_en="Register for the city's disaster e-mail service or follow the city's official LINE account to receive evacuation information in Japanese, English and other languages.",
        q_ja="防災情報をスマートフォンで受け取るには?",
        a_ja="市の防災メールに登録するか、市の公式LINEアカウントを友だち追加すると、日本語・英語などで避難情報を受け取れます。",
        ask_en=["can i get earthquake warnings in english on my phone", "how to sign up for emergency alerts", "is there a disaster mail service"],
        ask_ja=["防災メールの登録方法は", "避難情報をLINEで受け取りたい", "英語で災害情報を受け取れますか"],
    ),
]

# Invented local details: the same topic has a different answer in each city.
CITY_DETAILS = {
    "City A": dict(
        fee_copy=300, fee_bulky=400, water_notice=3,
        tax_months="June, August, October and January", tax_months_ja="6月・8月・10月・1月",
        nursery_deadline="1 December", nursery_deadline_ja="12月1日",
        burnable_days="on Monday and Thursday", burnable_days_ja="月曜日と木曜日",
        shelter_note="Pets may come to the shelters marked with a paw.",
        shelter_note_ja="肉球マークの避難所はペット同行避難ができます。",
    ),
    "City B": dict(
        fee_copy=350, fee_bulky=500, water_notice=4,
        tax_months="June, August, October and December", tax_months_ja="6月・8月・10月・12月",
        nursery_deadline="20 November", nursery_deadline_ja="11月20日",
        burnable_days="on Tuesday and Friday", burnable_days_ja="火曜日と金曜日",
        shelter_note="Bring food and water for three days.",
        shelter_note_ja="3日分の食料と水をお持ちください。",
    ),
}

PAGES = {
    "Citizen Affairs": "living/registration",
    "Tax": "living/tax",
    "Health Insurance and Pension": "health/insurance",
    "Child and Family": "family/children",
    "Elderly and Long-term Care": "health/care",
    "Waste and Recycling": "living/waste",
    "Water and Sewerage": "living/water",
    "Disaster Prevention": "safety/disaster",
}


def build() -> pd.DataFrame:
    """Return the two FAQ bases: one row per (city, topic) that the city's FAQ covers."""
    rows = []
    for city, letter in (("City A", "A"), ("City B", "B")):
        details = CITY_DETAILS[city]
        number = 0
        for t in TOPICS:
            if letter not in t["cities"]:
                continue
            number += 1
            domain = "city-a.example" if letter == "A" else "city-b.example"
            rows.append(
                {
                    "faq_id": f"{letter}{number:03d}",
                    "city": city,
                    "topic": t["topic"],
                    "department": t["department"],
                    "scope": t["scope"],
                    "question_en": t["q_en"],
                    "answer_en": t["a_en"].format(**details),
                    "question_ja": t["q_ja"],
                    "answer_ja": t["a_ja"].format(**details),
                    "page": f"https://www.{domain}/{PAGES[t['department']]}/{t['topic'].replace('_', '-')}.html",
                }
            )
    return pd.DataFrame(rows)


def main(argv: list[str] | None = None) -> Path:
    """Write the CSV next to this script, or to --out."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name(FILE_NAME))
    args = parser.parse_args(argv)
    build().to_csv(args.out, index=False, lineterminator="\n")
    return args.out


if __name__ == "__main__":
    print(f"wrote {main()}")
