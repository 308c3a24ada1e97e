'use client';
/**
 * Where files come in: a drop zone that is also a button (Enter or Space opens the file picker),
 * a second button for folders (a `webkitdirectory` input), and the two inputs themselves, hidden
 * but labelled so scripts and assistive technology can reach them.
 */
import { useRef, useState } from 'react';
import { filesOfDrop } from '@/lib/upload';

export function DropZone({ disabled, onFiles }: { disabled: boolean; onFiles: (files: File[]) => void }) {
  const filesInput = useRef<HTMLInputElement>(null);
  const folderInput = useRef<HTMLInputElement>(null);
  const [over, setOver] = useState(false);

  const take = (list: FileList | null) => {
    if (list && list.length > 0) onFiles(Array.from(list));
  };

  return (
    <div className="dropzone-wrap">
      <button
        type="button"
        className={`dropzone${over ? ' dropzone--over' : ''}`}
        disabled={disabled}
        aria-describedby="dropzone-help"
        onClick={() => filesInput.current?.click()}
        onDragOver={(e) => {
          e.preventDefault();
          if (!disabled) setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={(e) => {
          e.preventDefault();
          setOver(false);
          if (disabled) return;
          void filesOfDrop(e.dataTransfer).then((files) => files.length > 0 && onFiles(files));
        }}
      >
        <span className="dropzone__icon" aria-hidden="true" />
        <span className="dropzone__title">Drop DICOM files, folders or zip archives here</span>
        <span className="dropzone__hint">or press to choose files</span>
      </button>
      <div className="dropzone__foot">
        <p id="dropzone-help" className="muted small">
          Files are read and de-identified on this computer. Nothing is sent until you press Upload.
        </p>
        <button type="button" className="button button--secondary" disabled={disabled} onClick={() => folderInput.current?.click()}>
          Choose a folder
        </button>
      </div>
      <input
        ref={filesInput}
        id="upload-files"
        className="sr-only"
        type="file"
        multiple
        tabIndex={-1}
        aria-label="DICOM files or zip archives"
        disabled={disabled}
        onChange={(e) => {
          take(e.currentTarget.files);
          e.currentTarget.value = '';
        }}
      />
      <input
        ref={folderInput}
        id="upload-folder"
        className="sr-only"
        type="file"
        multiple
        tabIndex={-1}
        aria-label="A folder of DICOM files"
        disabled={disabled}
        // React does not know these attributes; chromium, Firefox and Safari all honour them.
        {...({ webkitdirectory: '', directory: '' } as Record<string, string>)}
        onChange={(e) => {
          take(e.currentTarget.files);
          e.currentTarget.value = '';
        }}
      />
    </div>
  );
}
