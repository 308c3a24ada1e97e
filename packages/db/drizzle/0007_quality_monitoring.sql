CREATE TABLE `alert_events` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`rule_id` text NOT NULL,
	`label` text NOT NULL,
	`kind` text NOT NULL,
	`period` text NOT NULL,
	`state` text NOT NULL,
	`value` real,
	`message` text NOT NULL,
	`fired_at` integer NOT NULL,
	`resolved_at` integer,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`rule_id`) REFERENCES `alert_rules`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `alert_events_rule_period` ON `alert_events` (`rule_id`,`period`);--> statement-breakpoint
CREATE INDEX `alert_events_tenant_state` ON `alert_events` (`tenant_id`,`state`,`fired_at`);--> statement-breakpoint
CREATE TABLE `alert_rules` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`label` text NOT NULL,
	`kind` text NOT NULL,
	`params` text NOT NULL,
	`enabled` integer DEFAULT true NOT NULL,
	`created_by` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `alert_rules_tenant` ON `alert_rules` (`tenant_id`);--> statement-breakpoint
CREATE TABLE `cohort_points` (
	`study_id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`completed_at` integer NOT NULL,
	`p_negative_exam_for_pe` real,
	`p_indeterminate` real,
	`p_chronic_pe` real,
	`p_acute_and_chronic_pe` real,
	`p_central_pe` real,
	`p_leftsided_pe` real,
	`p_rightsided_pe` real,
	`p_rv_lv_ratio_gte_1` real,
	`p_rv_lv_ratio_lt_1` real,
	`t_negative_exam_for_pe` integer,
	`t_indeterminate` integer,
	`t_chronic_pe` integer,
	`t_acute_and_chronic_pe` integer,
	`t_central_pe` integer,
	`t_leftsided_pe` integer,
	`t_rightsided_pe` integer,
	`t_rv_lv_ratio_gte_1` integer,
	`t_rv_lv_ratio_lt_1` integer,
	`seq` integer DEFAULT 0 NOT NULL,
	FOREIGN KEY (`study_id`) REFERENCES `studies`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `cohort_points_tenant_time` ON `cohort_points` (`tenant_id`,`completed_at`);--> statement-breakpoint
CREATE INDEX `cohort_points_tenant_seq` ON `cohort_points` (`tenant_id`,`seq`);--> statement-breakpoint
CREATE TABLE `cohort_versions` (
	`tenant_id` text PRIMARY KEY NOT NULL,
	`version` integer DEFAULT 0 NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `threshold_sets` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`version` integer NOT NULL,
	`thresholds` text NOT NULL,
	`rules` text NOT NULL,
	`note` text,
	`created_by` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `threshold_sets_tenant_version` ON `threshold_sets` (`tenant_id`,`version`);--> statement-breakpoint
ALTER TABLE `ground_truth` ADD `entered_via` text DEFAULT 'api' NOT NULL;--> statement-breakpoint
ALTER TABLE `results` ADD `threshold_set_id` text;--> statement-breakpoint
-- Backfill (hand-written): one cohort point per analysed study from its stored result and ground truth.
INSERT INTO `cohort_points` (`study_id`, `tenant_id`, `completed_at`, `p_negative_exam_for_pe`, `p_indeterminate`, `p_chronic_pe`, `p_acute_and_chronic_pe`, `p_central_pe`, `p_leftsided_pe`, `p_rightsided_pe`, `p_rv_lv_ratio_gte_1`, `p_rv_lv_ratio_lt_1`, `t_negative_exam_for_pe`, `t_indeterminate`, `t_chronic_pe`, `t_acute_and_chronic_pe`, `t_central_pe`, `t_leftsided_pe`, `t_rightsided_pe`, `t_rv_lv_ratio_gte_1`, `t_rv_lv_ratio_lt_1`)
SELECT s.`id`, s.`tenant_id`, s.`completed_at`,
  json_extract(r.`probabilities`, '$.negative_exam_for_pe'),
  json_extract(r.`probabilities`, '$.indeterminate'),
  json_extract(r.`probabilities`, '$.chronic_pe'),
  json_extract(r.`probabilities`, '$.acute_and_chronic_pe'),
  json_extract(r.`probabilities`, '$.central_pe'),
  json_extract(r.`probabilities`, '$.leftsided_pe'),
  json_extract(r.`probabilities`, '$.rightsided_pe'),
  json_extract(r.`probabilities`, '$.rv_lv_ratio_gte_1'),
  json_extract(r.`probabilities`, '$.rv_lv_ratio_lt_1'),
  (SELECT g.`value` FROM `ground_truth` g WHERE g.`study_id` = s.`id` AND g.`label` = 'negative_exam_for_pe'),
  (SELECT g.`value` FROM `ground_truth` g WHERE g.`study_id` = s.`id` AND g.`label` = 'indeterminate'),
  (SELECT g.`value` FROM `ground_truth` g WHERE g.`study_id` = s.`id` AND g.`label` = 'chronic_pe'),
  (SELECT g.`value` FROM `ground_truth` g WHERE g.`study_id` = s.`id` AND g.`label` = 'acute_and_chronic_pe'),
  (SELECT g.`value` FROM `ground_truth` g WHERE g.`study_id` = s.`id` AND g.`label` = 'central_pe'),
  (SELECT g.`value` FROM `ground_truth` g WHERE g.`study_id` = s.`id` AND g.`label` = 'leftsided_pe'),
  (SELECT g.`value` FROM `ground_truth` g WHERE g.`study_id` = s.`id` AND g.`label` = 'rightsided_pe'),
  (SELECT g.`value` FROM `ground_truth` g WHERE g.`study_id` = s.`id` AND g.`label` = 'rv_lv_ratio_gte_1'),
  (SELECT g.`value` FROM `ground_truth` g WHERE g.`study_id` = s.`id` AND g.`label` = 'rv_lv_ratio_lt_1')
FROM `studies` s JOIN `results` r ON r.`id` = s.`result_id`
WHERE s.`status` = 'complete' AND s.`completed_at` IS NOT NULL AND r.`probabilities` IS NOT NULL;
--> statement-breakpoint
-- Cohort freshness (hand-written: drizzle-kit does not generate triggers): every write to a
-- tenant's cohort points bumps its cohort version and stamps the row with it (`seq`), so a cached
-- cohort is checked with one read and brought up to date by reading only the newer rows. The
-- update trigger watches the data columns only, so stamping `seq` does not fire it again.
CREATE TRIGGER `cohort_points_version_insert` AFTER INSERT ON `cohort_points` BEGIN
  INSERT INTO `cohort_versions` (`tenant_id`, `version`) VALUES (NEW.`tenant_id`, 1)
    ON CONFLICT (`tenant_id`) DO UPDATE SET `version` = `version` + 1;
  UPDATE `cohort_points` SET `seq` = (SELECT `version` FROM `cohort_versions` WHERE `tenant_id` = NEW.`tenant_id`) WHERE `study_id` = NEW.`study_id`;
END;--> statement-breakpoint
CREATE TRIGGER `cohort_points_version_update` AFTER UPDATE OF `completed_at`, `p_negative_exam_for_pe`, `p_indeterminate`, `p_chronic_pe`, `p_acute_and_chronic_pe`, `p_central_pe`, `p_leftsided_pe`, `p_rightsided_pe`, `p_rv_lv_ratio_gte_1`, `p_rv_lv_ratio_lt_1`, `t_negative_exam_for_pe`, `t_indeterminate`, `t_chronic_pe`, `t_acute_and_chronic_pe`, `t_central_pe`, `t_leftsided_pe`, `t_rightsided_pe`, `t_rv_lv_ratio_gte_1`, `t_rv_lv_ratio_lt_1` ON `cohort_points` BEGIN
  INSERT INTO `cohort_versions` (`tenant_id`, `version`) VALUES (NEW.`tenant_id`, 1)
    ON CONFLICT (`tenant_id`) DO UPDATE SET `version` = `version` + 1;
  UPDATE `cohort_points` SET `seq` = (SELECT `version` FROM `cohort_versions` WHERE `tenant_id` = NEW.`tenant_id`) WHERE `study_id` = NEW.`study_id`;
END;
