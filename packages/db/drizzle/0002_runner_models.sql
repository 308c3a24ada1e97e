CREATE TABLE `shadow_results` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`job_id` text NOT NULL,
	`study_id` text,
	`model_version` text NOT NULL,
	`probabilities` text NOT NULL,
	`pe_probability` real,
	`body` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`job_id`) REFERENCES `jobs`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`study_id`) REFERENCES `studies`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `shadow_results_job_model` ON `shadow_results` (`job_id`,`model_version`);--> statement-breakpoint
CREATE INDEX `shadow_results_model` ON `shadow_results` (`tenant_id`,`model_version`);--> statement-breakpoint
ALTER TABLE `jobs` ADD `progress` text;--> statement-breakpoint
ALTER TABLE `models` ADD `job_id` text;--> statement-breakpoint
ALTER TABLE `models` ADD `activated_at` integer;