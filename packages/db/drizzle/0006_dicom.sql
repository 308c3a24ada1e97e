CREATE TABLE `dicom_ae_titles` (
	`ae_title` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `dicom_ae_titles_tenant` ON `dicom_ae_titles` (`tenant_id`);--> statement-breakpoint
CREATE TABLE `dicom_deliveries` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`destination_id` text NOT NULL,
	`study_id` text NOT NULL,
	`job_id` text NOT NULL,
	`artifacts` text NOT NULL,
	`status` text NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`next_attempt_at` integer NOT NULL,
	`lease_expires_at` integer,
	`last_error` text,
	`log` text DEFAULT '[]' NOT NULL,
	`created_at` integer NOT NULL,
	`delivered_at` integer,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`destination_id`) REFERENCES `dicom_destinations`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`study_id`) REFERENCES `studies`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`job_id`) REFERENCES `jobs`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `dicom_deliveries_due` ON `dicom_deliveries` (`status`,`next_attempt_at`);--> statement-breakpoint
CREATE UNIQUE INDEX `dicom_deliveries_job_destination` ON `dicom_deliveries` (`job_id`,`destination_id`);--> statement-breakpoint
CREATE INDEX `dicom_deliveries_study` ON `dicom_deliveries` (`study_id`);--> statement-breakpoint
CREATE TABLE `dicom_destinations` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`name` text NOT NULL,
	`kind` text NOT NULL,
	`host` text,
	`port` integer,
	`called_ae` text,
	`calling_ae` text,
	`url` text,
	`active` integer DEFAULT true NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `dicom_destinations_tenant_name` ON `dicom_destinations` (`tenant_id`,`name`);